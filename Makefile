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

.PHONY: install run test lint bench notebook clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/balloons run

# Two xdist workers (most tests wait on subprocesses, servers or disk); PYTEST_WORKERS=0 runs in one process.
PYTEST_WORKERS ?= 2
test: install lint
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup

lint: install
	$(BIN)/ruff check src flows tests bench
	$(BIN)/ruff format --check src flows tests bench
	$(BIN)/mypy src

# Same-run ratios of every target (bench/README.md): BENCH_ROWS=N (default 5,000,000), BENCH_BIG=1 adds the
# 20 M-row memory run. Prints the table and overwrites bench/results.md; exits 0 even when a target fails.
bench: install
	$(BIN)/python -m bench

# The analyst walkthrough, executed, as HTML with its charts inline: data/notebook/analyst_walkthrough.html.
# It reads the warehouse of BALLOONS_DATA_DIR (default: this repository's data/), built first if missing.
# A relative BALLOONS_DATA_DIR is the caller's, as for balloons itself (PWD: make -C leaves it as it was).
CALLER_DIR := $(or $(PWD),$(CURDIR))
NOTEBOOK_DATA := $(if $(BALLOONS_DATA_DIR),$(abspath $(if $(filter /%,$(BALLOONS_DATA_DIR)),,$(CALLER_DIR)/)$(BALLOONS_DATA_DIR)),$(abspath data))
NOTEBOOK_OUT := $(NOTEBOOK_DATA)/notebook
notebook: install
	test -f "$(NOTEBOOK_DATA)/warehouse.duckdb" || $(BIN)/balloons run --data-dir "$(NOTEBOOK_DATA)"
	mkdir -p "$(NOTEBOOK_OUT)"
	$(BIN)/jupytext --quiet --to ipynb --output "$(NOTEBOOK_OUT)/analyst_walkthrough.ipynb" notebooks/analyst_walkthrough.py
	BALLOONS_DATA_DIR="$(NOTEBOOK_DATA)" $(BIN)/jupyter nbconvert --log-level WARN --to html --template classic --execute \
	  "$(NOTEBOOK_OUT)/analyst_walkthrough.ipynb"
	@echo "notebook: $(NOTEBOOK_OUT)/analyst_walkthrough.html"

clean:
	rm -rf $(VENV) $(TOOLS) data/lake data/warehouse.duckdb data/reports data/notebook
