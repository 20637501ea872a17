# Two commands do all the set-up on a machine that has only python3:
#   make lab    create .venv, install the course, open JupyterLab on the first notebook
#   make test   create/update .venv and run the whole test suite
# Both only reinstall when pyproject.toml changed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8888
# The course's matrices are small: one BLAS thread is faster than several spinning ones, and much
# faster on a busy 2-core machine (measured: 0.7 s vs 17 s for one training run under load).
export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1
export MKL_NUM_THREADS ?= 1

.PHONY: lab test lint bench clean help

help:
	@echo "make lab   - open the course in JupyterLab (creates .venv on first use)"
	@echo "make test  - run the whole test suite (unit, widgets, notebooks, browser)"
	@echo "make lint  - ruff over the package, tests and notebooks"
	@echo "make bench - time forward+backward and the widgets' updates"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/00_start_here.ipynb --ip=127.0.0.1 --port=$(PORT) \
		$$( [ "$$(id -u)" = 0 ] && echo --allow-root )

test: $(STAMP)
	bash tools/ensure_chromium.sh
	$(BIN)/ruff check rnnlib tests tools benchmarks notebooks
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check rnnlib tests tools benchmarks notebooks

bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py

clean:
	rm -rf $(VENV) build .pytest_cache
