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
TEACHER := .venv-teacher
TEACHER_LOCK := requirements-teacher-lock.txt
TEACHER_STAMP := $(TEACHER)/.installed
NODE_STAMP := node_modules/.installed
# where uv is bootstrapped when it is not on PATH
UV_HOME := .uv
# `make test-latest`: the newest versions pyproject.toml allows, in a venv of their own
LATEST := .venv-latest
PORT ?= 8888
LINT := rnnlib tests tools benchmarks notebooks experiments classroom
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

.PHONY: lab teacher test test-fast test-latest lock site student grade lint bench clean help

help:
	@echo "make lab   - open the course in JupyterLab (creates .venv on first use)"
	@echo "make hub   - a JupyterHub for a class on this machine (TEST login; docs/teaching.md); HUB_PORT=8000"
	@echo "make teacher - the teacher's environment with nbgrader, in .venv-teacher/ (docs/teaching.md)"
	@echo "make test  - run the whole test suite (unit, widgets, notebooks, browser): what CI runs"
	@echo "make test-fast - ruff, unit and widget tests only (no notebooks, no browser, not the slow ones): about a minute"
	@echo "make test-latest - the same suite on the newest allowed versions (.venv-latest/), to catch drift"
	@echo "make lock  - re-resolve requirements-lock.txt from pyproject.toml with uv, and the self-check's pins"
	@echo "make site  - render the course to static HTML in build/site/ (no kernel needed to read it)"
	@echo "make student - the notebooks without solutions, in build/student/ (docs/teaching.md)"
	@echo "make grade SUBMISSIONS=dir - run and check submitted notebooks (reports in build/grades/)"
	@echo "make lint  - ruff over the package, tests and notebooks"
	@echo "make bench - time forward+backward and the widgets' updates"

# $(call install,VENV,LOCK): create VENV if needed and install LOCK's exact versions and the course
# (uv when it can be had, else pip); on failure, say what to try.
define install
	@uv=$$($(FIND_UV)); \
	if [ -n "$$uv" ]; then \
		echo "Installing the tested versions ($(2)) into $(1)/ with $$uv"; \
		{ test -x $(1)/bin/python || $$uv venv --quiet --seed --python $(PYTHON) $(1); } && \
		$$uv pip install --quiet --python $(1)/bin/python -r $(2) && \
		$$uv pip install --quiet --python $(1)/bin/python --no-deps -e .; \
	else \
		echo "uv could not be had: installing the tested versions ($(2)) into $(1)/ with pip"; \
		{ test -x $(1)/bin/python || $(PYTHON) -m venv $(1); } && \
		$(1)/bin/python -m pip install --quiet --upgrade pip && \
		$(1)/bin/python -m pip install --quiet -r $(2) && \
		$(1)/bin/python -m pip install --quiet --no-deps -e .; \
	fi || { echo "The tested versions in $(2) did not install on this Python ($$($(1)/bin/python -V 2>&1)); they were resolved for CPython 3.11 on Linux. Use Python 3.11 or newer, or try the newest allowed versions: make test-latest, then .venv-latest/bin/jupyter lab notebooks/00_start_here.ipynb" >&2; exit 1; }
endef

$(STAMP): pyproject.toml $(LOCK) $(wildcard jupyter/overrides.json)
	$(call install,$(VENV),$(LOCK))
	@# the course's JupyterLab defaults (no "Jupyter news?" toast, no update check): jupyter/overrides.json
	@if [ -f jupyter/overrides.json ]; then mkdir -p $(VENV)/share/jupyter/lab/settings && \
		cp jupyter/overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json; fi
	@touch $(STAMP)

# The teacher's environment: the course's lock plus nbgrader (requirements-teacher-lock.txt), apart
# from .venv/ so that learners' JupyterLab has no grading menus (docs/teaching.md).
$(TEACHER_STAMP): pyproject.toml $(TEACHER_LOCK)
	$(call install,$(TEACHER),$(TEACHER_LOCK))
	@touch $(TEACHER_STAMP)

# The tools from npm (package.json, package-lock.json): JupyterHub's configurable-http-proxy, MathJax 3
# for the static site, axe-core for the accessibility audits.
$(NODE_STAMP): package.json package-lock.json
	@bash tools/ensure_node.sh
	npm ci --no-audit --no-fund --loglevel=error
	@touch $(NODE_STAMP)

teacher: $(TEACHER_STAMP)
	@echo "nbgrader is in $(TEACHER)/: see docs/teaching.md (Grading with nbgrader), e.g. $(TEACHER)/bin/nbgrader --version"

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/00_start_here.ipynb --ip=127.0.0.1 --port=$(PORT) \
		$$( [ "$$(id -u)" = 0 ] && echo --allow-root )

# A class's JupyterHub on this machine (classroom/hub/jupyterhub_config.py): the proxy from npm, one
# JupyterLab per learner from .venv/, a TEST login (shared password printed at start); Ctrl-C stops it all.
HUB_PORT ?= 8000
hub: $(STAMP) $(NODE_STAMP)
	$(BIN)/python classroom/hub/run.py --port $(HUB_PORT)

test: $(STAMP) $(TEACHER_STAMP) $(NODE_STAMP)
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
test-latest: $(TEACHER_STAMP) $(NODE_STAMP)
	@uv=$$($(FIND_UV)); test -n "$$uv" || { $(NEEDS_UV); }; set -e; \
	test -x $(LATEST)/bin/python || $$uv venv --quiet --seed --python $(PYTHON) $(LATEST); \
	$$uv pip compile --quiet pyproject.toml --extra dev --extra hub --upgrade --no-header --no-annotate \
		--python $(LATEST)/bin/python -o $(LATEST)/requirements.txt; \
	echo "Versions that differ from $(LOCK) (< locked, > newest allowed):"; \
	grep -E '^[A-Za-z0-9]' $(LOCK) | diff - $(LATEST)/requirements.txt || true; \
	$$uv pip sync --quiet --python $(LATEST)/bin/python $(LATEST)/requirements.txt; \
	$$uv pip install --quiet --python $(LATEST)/bin/python --no-deps -e .
	$(LATEST)/bin/python tools/install_lab_settings.py
	bash tools/ensure_chromium.sh
	$(LATEST)/bin/ruff check $(LINT)
	RNN_COURSE_LATEST=1 $(LATEST)/bin/python -m pytest

# The lock: uv resolves pyproject.toml with the dev and hub extras for CPython 3.11 on Linux, keeping the
# versions already in the lock where it can (delete the lock first to move everything to the newest);
# then the pins the notebook 00 self-check ships inside rnnlib. The lock's header repeats the command.
lock:
	@uv=$$($(FIND_UV)); test -n "$$uv" || { $(NEEDS_UV); }; set -e; \
	$$uv pip compile pyproject.toml --extra dev --extra hub --python-version 3.11 --python-platform x86_64-unknown-linux-gnu -o requirements-lock.txt --quiet; \
	$$uv pip compile pyproject.toml --extra dev --extra hub --extra teacher -c requirements-lock.txt --python-version 3.11 --python-platform x86_64-unknown-linux-gnu -o requirements-teacher-lock.txt --quiet
	$(PYTHON) tools/lock.py

site: $(STAMP) $(NODE_STAMP)
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
	rm -rf $(VENV) $(LATEST) $(TEACHER) node_modules $(UV_HOME) build .pytest_cache
