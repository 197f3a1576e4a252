"""Copy Python packages into a Lambda artifact folder from an explicit list of files.

Contract: `python3 scripts/package_lambda.py DEST PACKAGE...` copies, for each package under
`src/`, exactly the files git tracks there (`git ls-files`), so nothing git-ignored (a stray
`*.pem`, a `.env`, `__pycache__`) or never added can reach a zip. Files present but neither
tracked nor ignored are named on stderr (add them, or they do not ship). A checkout without git
fails with a message rather than falling back to copying the folder. Standard library only: it
runs under `sam build` with the system Python.
"""

from __future__ import annotations

import fnmatch
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Tracked files that stay out of a package on purpose: the CloudFront Function's source and its
#: builder ship inline in template.yaml, never in the Lambda@Edge zip.
LEFT_OUT: dict[str, tuple[str, ...]] = {"edge_auth": ("cloudfront_function.*",)}


def left_out(package: str, relative: str) -> bool:
    """Whether `relative` (a path under `src/`) is one of `package`'s deliberate omissions."""
    name = relative.removeprefix(f"{package}/")
    return any(fnmatch.fnmatch(name, pattern) for pattern in LEFT_OUT.get(package, ()))


def _git_files(*args: str) -> list[str]:
    try:
        # git from PATH, as make finds it; the arguments are ours, never user input.
        done = subprocess.run(  # noqa: S603
            ["git", "ls-files", "-z", *args],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        raise SystemExit(
            f"package_lambda: cannot list the tracked files with git ({exc}); build from a git "
            "checkout of linc-edge-auth"
        ) from exc
    return [name for name in done.stdout.decode().split("\0") if name]


def package(dest: Path, packages: list[str]) -> list[str]:
    """Copy the tracked files of `src/<package>` to `dest/<package>`; the paths copied."""
    copied: list[str] = []
    for name in packages:
        source = f"src/{name}/"
        tracked = _git_files("--", source)
        if not tracked:
            raise SystemExit(f"package_lambda: git tracks no files under {source}")
        shutil.rmtree(dest / name, ignore_errors=True)
        for path in tracked:
            relative = path.removeprefix("src/")
            if left_out(name, relative):
                continue
            target = dest / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / path, target)
            copied.append(relative)
        for loose in _git_files("--others", "--exclude-standard", "--", source):
            print(f"package_lambda: not packaged (untracked): {loose}", file=sys.stderr)
    return copied


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print("usage: package_lambda.py DEST PACKAGE...", file=sys.stderr)
        return 2
    dest = Path(argv[0])
    dest.mkdir(parents=True, exist_ok=True)
    copied = package(dest, argv[1:])
    print(f"package_lambda: {len(copied)} files of {', '.join(argv[1:])} -> {dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
