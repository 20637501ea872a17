# Two commands do all the set-up on a machine that has only python3:
#   make lab    create .venv, install the course, open JupyterLab on the first notebook
#   make test   create/update .venv and run the whole test suite (what CI runs)
# Both install the exact versions the course was tested with (requirements-lock.txt, resolved by uv:
# `make lock`), and only reinstall when pyproject.toml or the lock changed. They install with uv: the
# one on PATH, or else one that python3's pip fetches from PyPI into .uv/; with pip when neither works.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements-lock.txt
# where uv is bootstrapped when it is not on PATH
UV_HOME := .uv
# `make test-latest`: the newest versions pyproject.toml allows, in a venv of their own
LATEST := .venv-latest
PORT ?= 8888
LINT := rnnlib tests tools benchmarks notebooks experiments
# The course's matrices are small: one BLAS thread is faster than several spinning ones, and much
# faster on a busy 2-core machine (measured: 0.7 s vs 17 s for one training run under load).
export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1
export MKL_NUM_THREADS ?= 1

# Prints the path of a uv to use: the one on PATH, else one installed from PyPI into .uv/ by python3's
# pip (--target needs no venv and no write access outside this folder); prints nothing when neither works.
FIND_UV = command -v uv || { test -x $(UV_HOME)/bin/uv || PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1 \
	$(PYTHON) -m pip install --quiet --target $(UV_HOME) uv >&2; test -x $(UV_HOME)/bin/uv && echo $(CURDIR)/$(UV_HOME)/bin/uv; }
NEEDS_UV = echo "this needs uv: install it (python3 -m pip install --user uv, or see https://docs.astral.sh/uv/) and retry" >&2; exit 1

.PHONY: lab test test-fast test-latest lock site student grade lint bench clean help

help:
	@echo "make lab   - open the course in JupyterLab (creates .venv on first use)"
	@echo "make test  - run the whole test suite (unit, widgets, notebooks, browser): what CI runs"
	@echo "make test-fast - ruff, unit and widget tests only (no notebooks, no browser, not the slow ones): about a minute"
	@echo "make test-latest - the same suite on the newest allowed versions (.venv-latest/), to catch drift"
	@echo "make lock  - re-resolve requirements-lock.txt from pyproject.toml with uv, and the self-check's pins"
	@echo "make site  - render the course to static HTML in build/site/ (no kernel needed to read it)"
	@echo "make student - the notebooks without solutions, in build/student/ (docs/teaching.md)"
	@echo "make grade SUBMISSIONS=dir - run and check submitted notebooks (reports in build/grades/)"
	@echo "make lint  - ruff over the package, tests and notebooks"
	@echo "make bench - time forward+backward and the widgets' updates"

$(STAMP): pyproject.toml $(LOCK) $(wildcard jupyter/overrides.json)
	@uv=$$($(FIND_UV)); \
	if [ -n "$$uv" ]; then \
		echo "Installing the tested versions ($(LOCK)) into $(VENV)/ with $$uv"; \
		{ test -x $(BIN)/python || $$uv venv --quiet --seed --python $(PYTHON) $(VENV); } && \
		$$uv pip install --quiet --python $(BIN)/python -r $(LOCK) && \
		$$uv pip install --quiet --python $(BIN)/python --no-deps -e .; \
	else \
		echo "uv could not be had: installing the tested versions ($(LOCK)) into $(VENV)/ with pip"; \
		{ test -x $(BIN)/python || $(PYTHON) -m venv $(VENV); } && \
		$(BIN)/python -m pip install --quiet --upgrade pip && \
		$(BIN)/python -m pip install --quiet -r $(LOCK) && \
		$(BIN)/python -m pip install --quiet --no-deps -e .; \
	fi || { echo "The tested versions in $(LOCK) did not install on this Python ($$($(BIN)/python -V 2>&1)); they were resolved for CPython 3.11 on Linux. Use Python 3.11 or newer, or try the newest allowed versions: make test-latest, then .venv-latest/bin/jupyter lab notebooks/00_start_here.ipynb" >&2; exit 1; }
	@# the course's JupyterLab defaults (no "Jupyter news?" toast, no update check): jupyter/overrides.json
	@if [ -f jupyter/overrides.json ]; then mkdir -p $(VENV)/share/jupyter/lab/settings && \
		cp jupyter/overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json; fi
	@touch $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/00_start_here.ipynb --ip=127.0.0.1 --port=$(PORT) \
		$$( [ "$$(id -u)" = 0 ] && echo --allow-root )

test: $(STAMP)
	bash tools/ensure_chromium.sh
	$(BIN)/ruff check $(LINT)
	$(BIN)/python -m pytest

# The inner loop: ruff, the unit, property and widget tests. No notebooks: nbval collects only what is
# under tests/ (no notebook there), and tests marked `notebooks` (that run or render every notebook:
# student edition, grader, site) are left out; no browser.
test-fast: $(STAMP)
	$(BIN)/ruff check $(LINT)
	$(BIN)/python -m pytest tests -m "not browser and not notebooks and not slow" -q

# Drift check: the same suite on the newest versions pyproject.toml allows (needs the package index;
# re-resolves on every run). Lists what differs from the lock first (< locked, > newest).
test-latest:
	@uv=$$($(FIND_UV)); test -n "$$uv" || { $(NEEDS_UV); }; set -e; \
	test -x $(LATEST)/bin/python || $$uv venv --quiet --seed --python $(PYTHON) $(LATEST); \
	$$uv pip compile --quiet pyproject.toml --extra dev --upgrade --no-header --no-annotate \
		--python $(LATEST)/bin/python -o $(LATEST)/requirements.txt; \
	echo "Versions that differ from $(LOCK) (< locked, > newest allowed):"; \
	grep -E '^[A-Za-z0-9]' $(LOCK) | diff - $(LATEST)/requirements.txt || true; \
	$$uv pip sync --quiet --python $(LATEST)/bin/python $(LATEST)/requirements.txt; \
	$$uv pip install --quiet --python $(LATEST)/bin/python --no-deps -e .
	$(LATEST)/bin/python tools/install_lab_settings.py
	bash tools/ensure_chromium.sh
	$(LATEST)/bin/ruff check $(LINT)
	RNN_COURSE_LATEST=1 $(LATEST)/bin/python -m pytest

# The lock: uv resolves pyproject.toml with the dev extra for CPython 3.11 on Linux, keeping the
# versions already in the lock where it can (delete the lock first to move everything to the newest);
# then the pins the notebook 00 self-check ships inside rnnlib. The lock's header repeats the command.
lock:
	@uv=$$($(FIND_UV)); test -n "$$uv" || { $(NEEDS_UV); }; set -e; \
	$$uv pip compile pyproject.toml --extra dev --python-version 3.11 --python-platform x86_64-unknown-linux-gnu -o requirements-lock.txt --quiet
	$(PYTHON) tools/lock.py

site: $(STAMP)
	$(BIN)/python tools/build_site.py

student: $(STAMP)
	$(BIN)/python tools/make_student.py

grade: $(STAMP)
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=folder [OUT=build/grades]"; exit 2; }
	$(BIN)/rnnlib-grade "$(SUBMISSIONS)" --out "$(or $(OUT),build/grades)" --jobs 2

lint: $(STAMP)
	$(BIN)/ruff check $(LINT)

bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py

clean:
	rm -rf $(VENV) $(LATEST) $(UV_HOME) build .pytest_cache
