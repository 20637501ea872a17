# Two commands do all the set-up on a machine that has only python3:
#   make lab    create .venv, install the course, open JupyterLab on the first notebook
#   make test   create/update .venv and run the whole test suite
# Both install the exact versions the course was tested with (requirements-lock.txt, written by
# `python3 tools/lock.py`), and only reinstall when pyproject.toml or the lock changed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements-lock.txt
# `make test-latest`: the newest versions pyproject.toml allows, in a venv of their own
LATEST := .venv-latest
PORT ?= 8888
# The course's matrices are small: one BLAS thread is faster than several spinning ones, and much
# faster on a busy 2-core machine (measured: 0.7 s vs 17 s for one training run under load).
export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1
export MKL_NUM_THREADS ?= 1

.PHONY: lab test test-latest site student grade lint bench clean help

help:
	@echo "make lab   - open the course in JupyterLab (creates .venv on first use)"
	@echo "make test  - run the whole test suite (unit, widgets, notebooks, browser)"
	@echo "make test-latest - the same suite on the newest allowed versions (.venv-latest/), to catch drift"
	@echo "make site  - render the course to static HTML in build/site/ (no kernel needed to read it)"
	@echo "make student - the notebooks without solutions, in build/student/ (docs/teaching.md)"
	@echo "make grade SUBMISSIONS=dir - run and check submitted notebooks (reports in build/grades/)"
	@echo "make lint  - ruff over the package, tests and notebooks"
	@echo "make bench - time forward+backward and the widgets' updates"

$(STAMP): pyproject.toml $(LOCK)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r $(LOCK) || { echo "The tested versions in $(LOCK) did not install on this Python ($$($(BIN)/python -V)); they were resolved on CPython 3.11 for Linux. Use Python 3.11 or newer, or try the newest allowed versions: make test-latest, then .venv-latest/bin/jupyter lab notebooks/00_start_here.ipynb" >&2; exit 1; }
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/00_start_here.ipynb --ip=127.0.0.1 --port=$(PORT) \
		$$( [ "$$(id -u)" = 0 ] && echo --allow-root )

test: $(STAMP)
	bash tools/ensure_chromium.sh
	$(BIN)/ruff check rnnlib tests tools benchmarks notebooks
	$(BIN)/python -m pytest

# Drift check: the same suite on the newest versions pyproject.toml allows (needs the package index;
# re-resolves on every run). Lists what differs from the lock first.
test-latest:
	@test -x $(LATEST)/bin/python || $(PYTHON) -m venv $(LATEST)
	$(LATEST)/bin/python -m pip install --quiet --upgrade pip
	$(LATEST)/bin/python -m pip install --quiet --upgrade --upgrade-strategy eager -e ".[dev]"
	$(LATEST)/bin/python tools/lock.py --drift
	bash tools/ensure_chromium.sh
	$(LATEST)/bin/ruff check rnnlib tests tools benchmarks notebooks
	RNN_COURSE_LATEST=1 $(LATEST)/bin/python -m pytest

site: $(STAMP)
	$(BIN)/python tools/build_site.py

student: $(STAMP)
	$(BIN)/python tools/make_student.py

grade: $(STAMP)
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=folder [OUT=build/grades]"; exit 2; }
	$(BIN)/rnnlib-grade "$(SUBMISSIONS)" --out "$(or $(OUT),build/grades)" --jobs 2

lint: $(STAMP)
	$(BIN)/ruff check rnnlib tests tools benchmarks notebooks

bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py

clean:
	rm -rf $(VENV) $(LATEST) build .pytest_cache
