"""Every link and repository path in the docs leads somewhere; the README stays an entry point.

Checked in `README.md` and `docs/*.md`: relative links resolve to a file (and `#anchor` to a
heading of it, by GitHub's rules); repository paths written in backticks (`src/...`,
`events/edge/`, `template.yaml`) exist; the README is at most 200 lines and its layout table
names every top-level folder and every package under `src/`.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.docs.support import (
    README,
    ROOT,
    anchors,
    code_spans,
    doc_files,
    links,
    rel,
    split_fences,
    tables_with_header,
)

README_MAX_LINES = 200
#: Build products the docs name on purpose; they exist only after a build or a run.
GENERATED = ("viewer/dist", "viewer/node_modules", ".aws-sam")


def tracked_top_level() -> set[str]:
    listed = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert listed, "git ls-files listed nothing: the docs tests need a git checkout"
    return {path.split("/")[0] for path in listed}


TOP_LEVEL = tracked_top_level()


def repo_path(token: str) -> str | None:
    """`token` as a repository path when it names one of ours, else None."""
    token = token.split("=", 1)[-1] if token.startswith("--") else token
    if any(ch in token for ch in "<>*{}$ ") or "..." in token or "://" in token:
        return None
    first, slash, _ = token.partition("/")
    # A bare top-level name is tracked, so it exists; only deeper paths can drift.
    if not slash or first not in TOP_LEVEL:
        return None
    return token


def missing_repo_paths(tokens: list[str]) -> list[str]:
    missing = []
    for token in tokens:
        path = repo_path(token)
        if path is None or path.startswith(GENERATED):
            continue
        if not (ROOT / path).exists():
            missing.append(path)
    return missing


@pytest.mark.parametrize("doc", doc_files(), ids=rel)
def test_relative_links_resolve(doc: Path) -> None:
    text = doc.read_text()
    broken = []
    for line, target in links(text):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        path_part, _, anchor = target.partition("#")
        path = (doc.parent / path_part).resolve() if path_part else doc
        if not path.exists():
            broken.append(f"{rel(doc)}:{line}: {target} (no such file)")
            continue
        if anchor and path.suffix == ".md" and anchor not in anchors(path.read_text()):
            broken.append(f"{rel(doc)}:{line}: {target} (no heading with that anchor)")
    assert not broken, "\n".join(broken)


@pytest.mark.parametrize("doc", doc_files(), ids=rel)
def test_repository_paths_in_prose_exist(doc: Path) -> None:
    _, prose = split_fences(doc.read_text())
    missing = [
        f"{rel(doc)}:{number}: `{path}`"
        for number, line in prose
        for path in missing_repo_paths(code_spans(line))
    ]
    assert not missing, "these paths do not exist:\n" + "\n".join(missing)


def test_readme_is_an_entry_point() -> None:
    lines = README.read_text().count("\n")
    assert lines <= README_MAX_LINES, (
        f"README.md has {lines} lines (at most {README_MAX_LINES}): move detail into docs/"
    )


def _layout_paths() -> str:
    (layout,) = [t for t in tables_with_header(README.read_text(), "path") if len(t.header) == 2]
    return " ".join(row[0] for row in layout.rows)


def test_readme_layout_names_every_top_level_folder() -> None:
    cells = _layout_paths()
    folders = sorted(name for name in TOP_LEVEL if (ROOT / name).is_dir())
    missing = [name for name in folders if f"`{name}/" not in cells]
    assert not missing, f"README layout table lacks {missing}"


def test_readme_layout_names_every_package() -> None:
    cells = _layout_paths()
    packages = sorted(
        rel(init.parent)
        for init in (ROOT / "src").glob("*/**/__init__.py")
        if len(init.relative_to(ROOT / "src").parts) <= 3
    )
    missing = [pkg for pkg in packages if f"`{pkg}/`" not in cells]
    assert not missing, f"README layout table lacks {missing}"


def test_the_path_check_can_fail() -> None:
    assert missing_repo_paths(["src/no_such_package/", "benchmarks/template_build.py"]) == [
        "src/no_such_package/",
        "benchmarks/template_build.py",
    ]
    assert missing_repo_paths(["web/src/x.vue", "viewer/dist/index.html", "linc_session"]) == []
