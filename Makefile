# balloons: `make run` (install + whole pipeline on the shipped sample), `make test`.
# Everything installs from this repo's own files: uv from PyPI, then the locked environment.
UV_VERSION := 0.13.8
PYTHON ?= python3
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: install run test lint bench clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/balloons run

test: install lint
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check src flows tests bench
	$(BIN)/mypy src

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) $(TOOLS) data/lake data/warehouse.duckdb data/reports
