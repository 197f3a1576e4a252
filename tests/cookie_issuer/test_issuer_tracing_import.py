"""The X-Ray SDK stays off the import path unless tracing is on (issue 13 item 4).

Constructing a Powertools Tracer imports the X-Ray SDK (and botocore) even when tracing is
disabled; `observability.traced` builds one only when Powertools' own rule says tracing is on (in
Lambda, POWERTOOLS_TRACE_DISABLED unset). Each case imports the issuer in a fresh interpreter.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, sys\n"
    "import cookie_issuer.app as app\n"
    "patched = sys.modules.get('aws_xray_sdk.core.patcher')\n"
    "print(json.dumps({'xray': 'aws_xray_sdk.core' in sys.modules,"
    " 'wrapped': app._traced is not app._invoke,"
    " 'patched': sorted(patched._PATCHED_MODULES) if patched else []}))\n"
)


def _import_issuer(**env: str) -> dict[str, object]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("POWERTOOLS_", "AWS_", "LAMBDA_", "_X_AMZN", "AWS_SAM"))
    }
    probe = subprocess.run(
        [sys.executable, "-c", PROBE],
        env={**clean, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert probe.returncode == 0, probe.stderr[-2000:]
    result: dict[str, object] = json.loads(probe.stdout.splitlines()[-1])
    return result


@pytest.mark.parametrize(
    "env",
    [
        {},  # outside Lambda
        {"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "true"},
        {"LAMBDA_TASK_ROOT": "/var/task", "AWS_SAM_LOCAL": "true"},
    ],
    ids=["outside-lambda", "trace-disabled", "sam-local"],
)
def test_tracing_off_never_imports_the_xray_sdk(env: dict[str, str]) -> None:
    assert _import_issuer(**env) == {"xray": False, "wrapped": False, "patched": []}


def test_tracing_on_in_lambda_captures_the_handler_and_patches_what_it_calls() -> None:
    """Subsegments for the AWS SDK and http.client (JWKS, archive API); nothing else patched."""
    assert _import_issuer(LAMBDA_TASK_ROOT="/var/task", AWS_REGION="us-east-1") == {
        "xray": True,
        "wrapped": True,
        "patched": ["botocore", "httplib"],
    }
