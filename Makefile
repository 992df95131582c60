# Stitch: the two commands a new user needs are `make run` and `make test`.
# Everything they need is installed here, into ./.tools (uv) and ./.venv (the workspace).
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .tools/bin/uv
VENV := .venv
# Use the machine's Python; never let uv download one.
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: run test install lint-imports clean

install: $(VENV)/.synced

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.synced: $(UV) uv.lock pyproject.toml libs/common/pyproject.toml gateway/pyproject.toml services/*/pyproject.toml
	$(UV) sync --frozen --all-packages --python $(PYTHON)
	touch $@

run: install
	$(VENV)/bin/python tools/devrun.py

test: install
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint-imports: install
	$(VENV)/bin/lint-imports

clean:
	rm -rf var .pytest_cache
