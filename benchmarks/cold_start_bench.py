"""Issuer cold start: importing `cookie_issuer.app` from the Lambda artifact, fresh interpreter.

What a cold start of the issuer pays before its first request: the import of the handler module
from the zip as deployed. `main()` builds the artifact the way `sam build` does
(`make build-IssuerFunction ARTIFACTS_DIR=...`: our packages plus src/cookie_issuer/requirements.txt
installed for python3.13), adds boto3/botocore as the python3.13 runtime provides them (compiled,
outside the zip), and times `import cookie_issuer.app` in a fresh interpreter per run (median of
COLD_RUNS; `-B`, as /var/task is read-only and nothing compiled can be kept), with
LAMBDA_TASK_ROOT set so Powertools believes it runs in Lambda (tracing on, as with the
template's `Tracing: Active`) or with POWERTOOLS_TRACE_DISABLED=true (tracing off).

Rows: this tree's artifact with and without the python3.13 bytecode the build now adds, each with
tracing on and off; and, when the git revision COLD_START_BASELINE (default BASELINE_REV, the
main before issue 13) is available, the same artifact with that revision's issuer and edge
packages, without bytecode (the "before" as deployed) and with it (what the import changes alone
give). The interpreter is python3.13 (the Lambda runtime's version) when one is
on PATH, else this one (then the bytecode row is for this version and says so).
"""

from __future__ import annotations

import io
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COLD_RUNS = 9
BASELINE_REV = "8d1df16"  # main before issue 13 (eager X-Ray SDK import, no bytecode in the zip)
# What the python3.13 runtime provides outside the zip (requirements.txt leaves them out).
RUNTIME_PACKAGES = (
    "boto3",
    "botocore",
    "s3transfer",
    "jmespath",
    "python-dateutil",
    "six",
    "urllib3<2",
)
_PROBE = (
    "import sys, time\n"
    "sys.path[:0] = sys.argv[1:3]\n"
    "t, c = time.perf_counter(), time.process_time()\n"
    "import cookie_issuer.app\n"
    "print((time.perf_counter() - t) * 1000, (time.process_time() - c) * 1000)\n"
    "print('aws_xray_sdk.core' in sys.modules)\n"
)


def _works(python: str, env: dict[str, str] | None = None) -> str | None:
    try:
        check = subprocess.run(
            [python, "-c", "import sys; print(sys.version.split()[0])"],
            capture_output=True,
            text=True,
            env=env,
        )
    except OSError:
        return None
    return check.stdout.strip() if check.returncode == 0 else None


def lambda_python() -> tuple[str, str]:
    """A python3.13 (the runtime's version): LAMBDA_PYTHON, python3.13 on PATH, or pyenv's."""
    for candidate in (os.environ.get("LAMBDA_PYTHON", ""), "python3.13"):
        version = _works(candidate) if candidate else None
        if version and version.startswith("3.13"):
            return shutil.which(candidate) or candidate, version
    if shutil.which("pyenv"):
        versions = subprocess.run(["pyenv", "versions", "--bare"], capture_output=True, text=True)
        for name in versions.stdout.split():
            if name.startswith("3.13"):
                env = {**os.environ, "PYENV_VERSION": name}
                found = subprocess.run(
                    ["pyenv", "which", "python3.13"], capture_output=True, text=True, env=env
                ).stdout.strip()
                version = _works(found) if found else None
                if version:
                    return found, version
    return sys.executable, sys.version.split()[0]


def _build(task: Path, python: str) -> None:
    subprocess.run(
        [
            "make",
            "--no-print-directory",
            "build-IssuerFunction",
            f"ARTIFACTS_DIR={task}",
            f"LAMBDA_PYTHON={python}",
        ],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _runtime(python: str, where: Path) -> None:
    """boto3 and botocore as the runtime image has them: installed, compiled, outside /var/task."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--no-compile",
            "--target",
            str(where),
            *RUNTIME_PACKAGES,
        ],
        check=True,
    )
    _compile(python, where)


def _compile(python: str, where: Path) -> None:
    subprocess.run(
        [
            python,
            "-m",
            "compileall",
            "-q",
            "-j0",
            "--invalidation-mode",
            "unchecked-hash",
            str(where),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _strip_bytecode(where: Path) -> None:
    for cache in list(where.rglob("__pycache__")):
        shutil.rmtree(cache)


def _with_baseline_packages(task: Path, into: Path) -> bool:
    rev = os.environ.get("COLD_START_BASELINE", BASELINE_REV)
    archive = subprocess.run(
        ["git", "archive", "--format=tar", rev, "src/cookie_issuer", "src/edge_auth"],
        cwd=ROOT,
        capture_output=True,
    )
    if archive.returncode != 0:
        return False
    shutil.copytree(task, into, symlinks=True)
    for name in ("cookie_issuer", "edge_auth"):
        shutil.rmtree(into / name)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into / "_src", filter="data")
    for name in ("cookie_issuer", "edge_auth"):
        shutil.move(into / "_src" / "src" / name, into / name)
    shutil.rmtree(into / "_src")
    return True


def _environment(task: Path, tracing: bool) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "LAMBDA_TASK_ROOT": str(task),
        "AWS_LAMBDA_FUNCTION_NAME": "cookie-issuer-bench",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_SERVICE_NAME": "linc-edge-auth",
        "POWERTOOLS_METRICS_NAMESPACE": "LincEdgeAuth",
        "POWERTOOLS_LOG_LEVEL": "INFO",
    }
    if not tracing:
        env["POWERTOOLS_TRACE_DISABLED"] = "true"
    return env


def _cold_import(
    python: str, task: Path, runtime: Path, tracing: bool
) -> tuple[float, float, bool]:
    """One fresh interpreter: wall and CPU ms to import the handler module, and whether the
    X-Ray SDK got loaded."""
    out = subprocess.run(
        [python, "-I", "-B", "-c", _PROBE, str(task), str(runtime)],
        capture_output=True,
        text=True,
        env=_environment(task, tracing),
        cwd=task,
        check=True,
    )
    wall, cpu, loaded = out.stdout.split()[-3:]
    return float(wall), float(cpu), loaded == "True"


def main() -> None:
    python, version = lambda_python()
    with tempfile.TemporaryDirectory(prefix="cold-start-") as tmp:
        base = Path(tmp)
        task, runtime = base / "task", base / "runtime"
        compiled = base / "task-compiled"
        _build(compiled, python)  # the zip's content as `sam build` makes it
        _runtime(python, runtime)
        if not any(compiled.rglob("*.pyc")):  # the build found no python3.13: compile here
            _compile(python, compiled)
        shutil.copytree(compiled, task, symlinks=True)
        _strip_bytecode(task)  # the zip as built before issue 13: --no-compile, no bytecode
        variants: list[tuple[str, Path, bool]] = []
        before = base / "task-baseline"
        if _with_baseline_packages(task, before):
            rev = os.environ.get("COLD_START_BASELINE", BASELINE_REV)
            before_compiled = base / "task-baseline-compiled"
            shutil.copytree(before, before_compiled, symlinks=True)
            _compile(python, before_compiled)
            variants.append((f"before ({rev}), no bytecode", before, True))
            variants.append((f"before ({rev}), no bytecode", before, False))
            variants.append((f"before ({rev}), {version} bytecode", before_compiled, True))
            variants.append((f"before ({rev}), {version} bytecode", before_compiled, False))
        variants += [
            ("this tree, no bytecode", task, True),
            ("this tree, no bytecode", task, False),
            (f"this tree, {version} bytecode in zip", compiled, True),
            (f"this tree, {version} bytecode in zip", compiled, False),
        ]
        wall: list[list[float]] = [[] for _ in variants]
        cpu: list[list[float]] = [[] for _ in variants]
        xray = [False] * len(variants)
        # Round-robin over the variants, so load on a shared machine hits every row alike.
        for _ in range(COLD_RUNS):
            for index, (_, where, tracing) in enumerate(variants):
                wall_ms, cpu_ms, xray[index] = _cold_import(python, where, runtime, tracing)
                wall[index].append(wall_ms)
                cpu[index].append(cpu_ms)
    print(f"\nissuer cold import of cookie_issuer.app (python {version}, {COLD_RUNS} fresh")
    print("interpreters per row, round-robin; CPU ms is the figure least moved by machine load)")
    header = (
        f"{'artifact':<40}{'tracing':>8}{'X-Ray':>6}{'wall p50':>10}{'CPU p50':>9}{'CPU min':>9}"
    )
    print(header)
    print("-" * len(header))
    for index, (label, _, tracing) in enumerate(variants):
        print(
            f"{label:<40}{'on' if tracing else 'off':>8}{'yes' if xray[index] else 'no':>6}"
            f"{statistics.median(wall[index]):>10.1f}{statistics.median(cpu[index]):>9.1f}"
            f"{min(cpu[index]):>9.1f}"
        )
    first = statistics.median(cpu[0])
    print(
        "CPU p50 ratio, row 1 / each row: "
        + ", ".join(f"{first / statistics.median(c):.2f}" for c in cpu)
    )


if __name__ == "__main__":
    main()
