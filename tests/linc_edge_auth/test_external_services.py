"""The FileBrowser "External Services" entries: regex fix and the URL the web app would build."""

from __future__ import annotations

import re
from pathlib import Path

import neuroglancer
import pytest

from linc_edge_auth import external_services as es
from linc_edge_auth.asset_refs import Deployment
from linc_edge_auth.cli import main

B = "linc-brain-mit-prod-us-east-2"
Z = "0b5b0a8e-4e6f-4a52-9a2c-2f3d1c0e9f10"
BLOB = "blobs/3f2/a1c/3f2a1c9e-1b2d-4c3e-8f40-5a6b7c8d9e0f"
TODAY = r"\.(nwb|txt|nii(\.gz)?|ome\.zarr)$"  # the LINC entry as deployed, .txt "for testing"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "external-services.md"

# asset paths as the FileBrowser tests them, and whether Neuroglancer should be offered
PATHS = [
    ("sub-MR1/micr/sub-MR1_sample-slab1_SPIM.ome.zarr", True),
    ("sub-MR1/micr/sub-MR1_chunk-1.zarr", True),
    ("sub-MR1/dwi/sub-MR1_dwi.nii.gz", True),
    ("sub-MR1/anat/sub-MR1_T1w.nii", True),
    ("sub-MR1/notes.txt", False),
    ("sub-MR1/ecephys.nwb", False),
    ("sub-MR1/dwi/sub-MR1_dwi.nii.gz.txt", False),
    ("sub-MR1/micr/sample.ome.zarr.json", False),
]


@pytest.mark.parametrize(("path", "offered"), PATHS)
def test_regex_offers_neuroglancer_only_for_what_it_opens(path: str, offered: bool) -> None:
    entries = es.entries()
    assert bool(re.search(es.NEUROGLANCER_REGEX, path)) is offered
    assert len(es.matching(entries, path)) == (1 if offered else 0)  # disjoint entries


def test_the_fix_differs_from_today() -> None:
    assert re.search(TODAY, "notes.txt") and not re.search(es.NEUROGLANCER_REGEX, "notes.txt")
    assert not re.search(TODAY, "x.zarr") and re.search(es.NEUROGLANCER_REGEX, "x.zarr")


@pytest.mark.parametrize(
    ("path", "s3_url", "source"),
    [
        (
            "sub-MR1/micr/sub-MR1_sample-slab1_SPIM.ome.zarr",
            f"https://{B}.s3.amazonaws.com/zarr/{Z}/",
            f"https://neuroglancer.lincbrain.org/zarr/{Z}/|zarr:",
        ),
        (
            "sub-MR1/dwi/sub-MR1_dwi.nii.gz",
            f"https://{B}.s3.amazonaws.com/{BLOB}",
            f"https://neuroglancer.lincbrain.org/{BLOB}|nifti:",
        ),
    ],
)
def test_rendered_url_opens_one_named_layer_on_the_viewer(
    path: str, s3_url: str, source: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (entry,) = es.matching(es.entries(), path)
    url = es.render(entry["endpoint"], asset_path=path, asset_s3_url=s3_url)
    assert url.startswith("https://neuroglancer.lincbrain.org/#!")
    state = neuroglancer.parse_url(url)
    assert state.layout.type == "4panel"
    (layer,) = state.layers
    assert layer.name == path.rsplit("/", 1)[-1]
    assert layer.source[0].url == source
    # the CLI builds the same state for the same asset
    fmt = "zarr" if path.endswith(".zarr") else "nifti"
    name = layer.name
    assert main(["link", "--name", name, "--format", fmt, s3_url]) == 0
    cli_state = neuroglancer.parse_url(capsys.readouterr().out.strip())
    assert cli_state.to_json() == state.to_json()


def test_names_with_quotes_survive_the_template() -> None:
    (entry,) = es.matching(es.entries(), "x.nii")
    url = es.render(
        entry["endpoint"],
        asset_path='sub-1/odd "name" & 50%.nii',
        asset_s3_url=f"https://{B}.s3.amazonaws.com/{BLOB}",
    )
    assert neuroglancer.parse_url(url).layers[0].name == 'odd "name" & 50%.nii'


def test_other_deployments_get_their_own_viewer() -> None:
    (entry,) = es.matching(es.entries(Deployment(viewer_url="https://ng.example.org")), "a.zarr")
    assert entry["endpoint"].startswith("https://ng.example.org/#!")
    assert "https://ng.example.org$asset_s3_path$/%7Czarr:" in entry["endpoint"]


def test_docs_carry_the_current_entries() -> None:
    text = DOCS.read_text()
    assert es.as_javascript(es.entries()) in text
    assert es.NEUROGLANCER_REGEX.replace("\\", "\\\\") in text or es.NEUROGLANCER_REGEX in text


def test_docs_show_the_url_the_button_opens() -> None:
    path = "sub-MR1/micr/sub-MR1_sample-slab1_SPIM.ome.zarr"
    (entry,) = es.matching(es.entries(), path)
    url = es.render(
        entry["endpoint"], asset_path=path, asset_s3_url=f"https://{B}.s3.amazonaws.com/zarr/{Z}/"
    )
    assert url in DOCS.read_text()
