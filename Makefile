# Two commands do everything on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin

.PHONY: help venv test lint typecheck pytest bench run viewer sam-build clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*##/\t/'

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

venv: $(VENV)/.installed  ## create .venv and install the package with its dev extras

lint: venv  ## ruff
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: venv  ## mypy (strict)
	$(BIN)/mypy

pytest: venv  ## the test suite (installs Debian's Chromium for the browser tests when missing)
	bash scripts/ensure-chromium.sh
	$(BIN)/pytest

test: lint typecheck pytest  ## everything CI runs

bench: venv  ## benchmark tables
	$(PY) -m benchmarks

viewer:  ## build stock Neuroglancer into viewer/dist (cached; see viewer/README.md)
	bash viewer/build.sh

run: venv  ## the local stack: viewer, S3, archive stand-in, CloudFront emulator
	@echo "make run: the local stack is not built yet (issue 5)." >&2; exit 2

clean:  ## remove build products (keeps .venv)
	rm -rf .aws-sam build dist .pytest_cache .mypy_cache .ruff_cache
