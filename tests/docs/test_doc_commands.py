"""Every command the docs show either runs here or is checked without running.

Each line of a `bash` block in `README.md` and `docs/*.md` (continuations joined, comments and
output redirections dropped, `&&` split) is one case:
- offline commands run and must exit 0: `make help`, `make sam-validate`, cfn-lint with our
  rules, `sam validate`, every `linc-edge-auth ... --help`, `linc-edge-auth link` on S3 or
  viewer URLs (without `--centre` or `--short`, which need a deployment), `python -m
  local_stack --help`, and `python -m local_stack.archive COMMAND --help` for a command of the
  local archive's `manage.py` (it needs a running stack's database);
- the others are checked without side effects: `make -n` for make targets, the real argument
  parser for `linc-edge-auth`, `sam SUBCOMMAND --help` must list every option used, benchmark
  names must be modules, `pip install '.[extras]'` must name extras of pyproject.toml;
- every repository path a command names must exist.
A command that fits no rule fails: say here how to check it.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from linc_edge_auth.cli import build_parser, main
from tests.docs.support import ROOT, doc_files, rel, split_fences
from tests.docs.test_links import missing_repo_paths

SHELL_LANGS = {"bash", "sh", "shell"}
#: Make targets cheap and offline enough to run for real.
MAKE_RUN = {"help", "sam-validate"}
#: Asset references that need the archive (network, API key).
ARCHIVE_REFS = ("dandi://", "asset:", "/api/assets/")
TIMEOUT = 300


@dataclass(frozen=True)
class DocCommand:
    where: str
    argv: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.where}: {shlex.join(self.argv)}"


def _commands(line: str) -> list[list[str]]:
    tokens = shlex.split(line, comments=True)
    commands: list[list[str]] = [[]]
    skip_next = False
    for token in tokens:
        if skip_next:
            skip_next = False
        elif token == "&&":
            commands.append([])
        elif token in (">", ">>", "2>", "<"):
            skip_next = True  # the redirection target is not an argument
        elif token[:1] in (">", "<") or token.startswith(("2>", ">>")):
            continue
        elif token in ("|", ";", "||"):
            raise ValueError(f"pipes and lists are not checked; split the command: {line}")
        else:
            commands[-1].append(token)
    return [c for c in commands if c]


def doc_commands() -> list[DocCommand]:
    found = []
    for doc in doc_files():
        blocks, _ = split_fences(doc.read_text())
        for block in blocks:
            if block.lang not in SHELL_LANGS:
                continue
            pending, start = "", 0
            for offset, line in enumerate(block.lines):
                if not pending:
                    start = block.first_line + offset
                if line.rstrip().endswith("\\"):
                    pending += line.rstrip()[:-1] + " "
                    continue
                for argv in _commands(pending + line):
                    found.append(DocCommand(f"{rel(doc)}:{start}", tuple(argv)))
                pending = ""
    return found


# -- how each kind of command is checked -------------------------------------------------------
def _env() -> dict[str, str]:
    return {**os.environ, "AWS_DEFAULT_REGION": "us-east-1", "SAM_CLI_TELEMETRY": "0"}


def _program(name: str) -> str:
    """A `.venv/bin/X` of the docs is X beside the running interpreter (CI's .venv)."""
    if name in (".venv/bin/python", "python", "python3"):
        return sys.executable
    if name.startswith(".venv/bin/"):
        return str(Path(sys.executable).parent / name.removeprefix(".venv/bin/"))
    if name == "sam":
        return str(ROOT / ".venv-sam" / "bin" / "sam")
    return str(ROOT / name) if "/" in name else name


def _run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        argv, cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=TIMEOUT
    )
    assert proc.returncode == 0, (
        f"exit {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    )
    return proc


def run_it(cmd: DocCommand) -> None:
    _run([_program(cmd.argv[0]), *cmd.argv[1:]])


def make_dry_run(cmd: DocCommand) -> None:
    _run(["make", "-n", *cmd.argv[1:]])


def cli_in_process(cmd: DocCommand) -> None:
    try:
        code = main(list(cmd.argv[1:]))
    except SystemExit as exc:  # --help
        code = int(exc.code or 0)
    assert code == 0


def cli_parses(cmd: DocCommand) -> None:
    try:
        build_parser().parse_args(list(cmd.argv[1:]))
    except SystemExit as exc:
        pytest.fail(f"linc-edge-auth refuses these arguments (exit {exc.code})")


def sam_options_exist(cmd: DocCommand) -> None:
    words = list(cmd.argv[1:])
    sub = words[:2] if words[0] == "local" else words[:1]
    helptext = _run([_program("sam"), *sub, "--help"]).stdout
    unknown = [
        w.split("=")[0] for w in words if w.startswith("-") and w.split("=")[0] not in helptext
    ]
    assert not unknown, f"sam {' '.join(sub)} has no option {unknown}"


def benchmarks_exist(cmd: DocCommand) -> None:
    names = [w for w in cmd.argv[3:] if not w.startswith("-")]
    available = {p.stem for p in (ROOT / "benchmarks").glob("*_bench.py")}
    assert set(names) <= available, f"no benchmark {sorted(set(names) - available)}: {available}"


def extras_exist(cmd: DocCommand) -> None:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    for word in cmd.argv:
        if word.startswith(".[") and word.endswith("]"):
            asked = set(word[2:-1].split(","))
            assert asked <= set(extras), f"no extra {sorted(asked - set(extras))}"


def archive_command_exists(cmd: DocCommand) -> None:
    """`python -m local_stack.archive [--database PATH] COMMAND ...`: COMMAND's --help runs."""
    words = list(cmd.argv[3:])
    if words[:1] == ["--database"]:
        words = words[2:]
    _run([sys.executable, "-m", "local_stack.archive", words[0], "--help"])


def paths_only(cmd: DocCommand) -> None:
    """Nothing to run here (tests themselves); the paths it names are checked by every case."""


Check = Callable[[DocCommand], None]


def check_for(cmd: DocCommand) -> Check:
    argv = cmd.argv
    prog = argv[0]
    if prog == "make":
        targets = {w for w in argv[1:] if "=" not in w and not w.startswith("-")}
        return run_it if targets and targets <= MAKE_RUN else make_dry_run
    if prog.endswith("cfn-lint"):
        return run_it
    if prog in (".venv-sam/bin/sam", "sam"):
        return run_it if argv[1] == "validate" else sam_options_exist
    if prog == "linc-edge-auth":
        if "--help" in argv or "-h" in argv:
            return cli_in_process
        offline = not any(ref in w for w in argv for ref in ARCHIVE_REFS) and not (
            {"--centre", "--short"} & set(argv)  # read metadata / write through the issuer
        )
        return cli_in_process if argv[1] == "link" and offline else cli_parses
    if prog in (".venv/bin/python", "python", "python3") and argv[1:2] == ("-m",):
        if argv[2] == "local_stack" and "--help" in argv:
            return run_it
        if argv[2] == "benchmarks":
            return benchmarks_exist
        if argv[2] == "local_stack.archive":
            return archive_command_exists
    if prog == "pip" and argv[1:2] == ("install",):
        return extras_exist
    if prog.endswith("pytest"):
        return paths_only
    raise LookupError(f"{cmd}: no rule says how to check this command; add one")


COMMANDS = doc_commands()


@pytest.mark.parametrize("cmd", COMMANDS, ids=str)
def test_doc_command(cmd: DocCommand, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LINC_VIEWER_URL", "LINC_BUCKET", "LINC_DATA_PREFIXES", "LINC_COOKIE"):
        monkeypatch.delenv(name, raising=False)  # the docs show the production defaults
    missing = missing_repo_paths(list(cmd.argv))
    assert not missing, f"{cmd}: no such path {missing}"
    check_for(cmd)(cmd)


def test_the_docs_show_the_commands_that_matter() -> None:
    shown = {shlex.join(c.argv) for c in COMMANDS}
    for expected in (
        "make run",
        "make test",
        "make sam-validate",
        ".venv/bin/cfn-lint template.yaml --append-rules cfnlint_rules",
    ):
        assert expected in shown, f"the docs no longer show {expected!r}"


def test_the_command_checks_can_fail() -> None:
    broken = DocCommand(
        "x", (".venv/bin/cfn-lint", "--append-rules", "cfnlint_rules", "template.yaml")
    )
    with pytest.raises(AssertionError, match="exit"):
        check_for(broken)(broken)
    with pytest.raises(AssertionError, match="no benchmark"):
        benchmarks_exist(DocCommand("x", ("python", "-m", "benchmarks", "template_build")))
    with pytest.raises(pytest.fail.Exception, match="refuses"):
        cli_parses(DocCommand("x", ("linc-edge-auth", "keys", "create", "--no-such-option")))
    with pytest.raises(LookupError):
        check_for(DocCommand("x", ("curl", "https://example.org")))
