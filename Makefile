# Two commands do everything on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin

.PHONY: help venv test lint typecheck pytest bench run viewer cloudfront-function deploy-viewer sam-venv sam-build sam-validate clean \
	build-EdgeAuthFunction build-IssuerFunction

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*##/\t/'

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

venv: $(VENV)/.installed  ## create .venv and install the package with its dev extras

lint: venv  ## ruff
	$(BIN)/ruff check src tests benchmarks cfnlint_rules scripts
	$(BIN)/ruff format --check src tests benchmarks cfnlint_rules scripts

typecheck: venv  ## mypy (strict)
	$(BIN)/mypy

pytest: venv sam-venv viewer  ## the test suite (installs Debian's Chromium for the browser tests when missing)
	bash scripts/ensure-chromium.sh
	$(BIN)/pytest

test: lint typecheck pytest  ## everything CI runs

cloudfront-function: venv  ## rebuild the CloudFront Function and inline it into template.yaml
	$(PY) -m edge_auth.cloudfront_function --template template.yaml

bench: venv  ## benchmark tables
	$(PY) -m benchmarks

viewer:  ## build stock Neuroglancer into viewer/dist (cached; see viewer/README.md)
	bash viewer/build.sh

# Ports: make run ARGS="--viewer-port 9000", or LOCAL_STACK_VIEWER_PORT=9000 make run.
deploy-viewer: venv viewer  ## publish viewer/dist: make deploy-viewer VIEWER_BUCKET=... DISTRIBUTION_ID=...
	@test -n "$(VIEWER_BUCKET)" || { echo "set VIEWER_BUCKET (stack output ViewerBucketName)" >&2; exit 2; }
	$(BIN)/linc-edge-auth viewer-deploy --bucket "$(VIEWER_BUCKET)" \
		$(if $(DISTRIBUTION_ID),--distribution-id "$(DISTRIBUTION_ID)")

run: venv  ## the local stack: viewer, S3, archive stand-in, CloudFront emulator (Ctrl-C stops)
	bash viewer/build.sh
	$(PY) -m local_stack $(ARGS)

# ---- SAM (issue 4). SAM CLI lives in its own venv: its pins conflict with ours.
SAM_VENV ?= .venv-sam
SAM := $(SAM_VENV)/bin/sam
SAM_ENV := AWS_DEFAULT_REGION=us-east-1 SAM_CLI_TELEMETRY=0
# The Lambda runtime's Python: compiles the issuer zip's bytecode (build-IssuerFunction).
LAMBDA_PYTHON ?= python3.13
LAMBDA_PIP_FLAGS := --platform manylinux2014_x86_64 --implementation cp --python-version 3.13 \
	--only-binary=:all: --no-deps --no-compile --quiet --disable-pip-version-check

$(SAM_VENV)/.installed:
	@test -x $(SAM_VENV)/bin/python || $(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SAM_VENV)/bin/python -m pip install --quiet 'aws-sam-cli>=1.140'
	@touch $@

sam-venv: $(SAM_VENV)/.installed  ## install SAM CLI into .venv-sam (its own venv)

sam-build: $(SAM_VENV)/.installed  ## sam build (makefile builder, python3.13 x86_64 wheels) into .aws-sam/
	$(SAM_ENV) $(SAM) build --build-in-source --template-file template.yaml

sam-validate: $(SAM_VENV)/.installed  ## sam validate --lint (offline)
	$(SAM_ENV) $(SAM) validate --lint --template-file template.yaml

# Called by `sam build` (BuildMethod: makefile, through lambda/Makefile: the functions' CodeUri)
# with ARTIFACTS_DIR set. Packages are copied from the files git tracks (scripts/package_lambda.py),
# never with cp -R: a git-ignored stray *.pem must not ship. The edge zip holds the edge_auth
# package and nothing else (stdlib only, 1 MB Lambda@Edge limit).
build-EdgeAuthFunction:
	@test -n "$(ARTIFACTS_DIR)" || { echo "ARTIFACTS_DIR is not set (sam build sets it)" >&2; exit 2; }
	$(PYTHON) scripts/package_lambda.py "$(ARTIFACTS_DIR)" edge_auth

build-IssuerFunction:
	@test -n "$(ARTIFACTS_DIR)" || { echo "ARTIFACTS_DIR is not set (sam build sets it)" >&2; exit 2; }
	$(PYTHON) scripts/package_lambda.py "$(ARTIFACTS_DIR)" edge_auth cookie_issuer
	$(PYTHON) -m pip install $(LAMBDA_PIP_FLAGS) --target "$(ARTIFACTS_DIR)" -r src/cookie_issuer/requirements.txt
	find "$(ARTIFACTS_DIR)" -name __pycache__ -prune -exec rm -rf {} +
	@# /var/task is read-only: without bytecode in the zip every cold start compiles every module.
	@# Hash-based pycs carry no timestamps and name /var/task, not the build directory: the same
	@# bytes on every machine, and zip mtimes cannot invalidate them.
	@if $(LAMBDA_PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' 2>/dev/null; then \
		$(LAMBDA_PYTHON) -m compileall -q -j0 --invalidation-mode unchecked-hash \
			-s "$(ARTIFACTS_DIR)" -p /var/task "$(ARTIFACTS_DIR)" >/dev/null; \
	else \
		echo "build-IssuerFunction: $(LAMBDA_PYTHON) is not Python 3.13: no bytecode in the zip, each cold start compiles (set LAMBDA_PYTHON=/path/to/python3.13)" >&2; \
	fi

clean:  ## remove build products (keeps .venv)
	rm -rf .aws-sam build dist .pytest_cache .mypy_cache .ruff_cache
