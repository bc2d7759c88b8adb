# Machine Learning from First Principles - one command each, on a fresh machine with Python 3.10+.
#   make tour        install into .venv, run every project headless, write outputs/tour/index.html
#   make test        install into .venv and run the whole test suite (pytest)
#   make learn       learner mode: your checklist (python -m learn; see README "Learn")
#   make milestones  the same checklist, also written to outputs/milestones.md
#   make bench       run the performance comparisons, write bench/RESULTS.md
#   make docs        rerun the commands behind the README "real output" excerpts and the notebook
#   make docs-check  compare every excerpt (slow ones too) with a fresh run; exit 1 on a difference
#   make notebook    open phase5_capstone/pipeline_report.ipynb in JupyterLab (from .venv)
# PyTorch is installed CPU-only with TORCH_SPEC (default torch==2.13.0); change it if your
# platform needs another wheel, e.g. make test TORCH_SPEC="torch --index-url <cpu index>".

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TORCH_SPEC ?= torch==2.13.0
PYTEST_ARGS ?=

# Use the local dataset mirror when it sits beside the repository (CI, development).
MIRROR := $(abspath $(wildcard ../shared/datasets))
ifneq ($(MIRROR),)
export MLFP_DATA_MIRROR ?= $(MIRROR)
endif
export MPLBACKEND ?= Agg
export SDL_VIDEODRIVER ?= dummy
export PYGAME_HIDE_SUPPORT_PROMPT := 1

.PHONY: install test test-quick tour learn milestones milestones-reference bench lint clean \
	docs docs-check notebook

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || \
		{ echo "error: Python 3.10+ is needed (found $$($(PYTHON) --version))"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet $(TORCH_SPEC)
	$(BIN)/python -m pip install --quiet -e '.[dev,torch]'
	touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-quick: $(STAMP)
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

tour: $(STAMP)
	$(BIN)/python -m tools.tour

learn: $(STAMP)
	$(BIN)/python -m learn status

milestones: $(STAMP)
	$(BIN)/python -m learn status --out outputs/milestones.md

milestones-reference: $(STAMP)
	$(BIN)/python -m learn status --reference

bench: $(STAMP)
	$(BIN)/python -m tools.bench

docs: $(STAMP)
	$(BIN)/python tools/docs.py --slow --notebook

docs-check: $(STAMP)
	$(BIN)/python tools/docs.py --check --slow --notebook

# JupyterLab from the project's environment. In CI, or with no display to open a browser on,
# it prints the command instead of starting a server that would wait for ever.
NOTEBOOK := phase5_capstone/pipeline_report.ipynb
notebook: $(STAMP)
	@test -x $(BIN)/jupyter || { echo "error: JupyterLab is not in $(VENV): run $(BIN)/pip install -e '.[notebook]'"; exit 2; }
	@if [ -n "$$CI" ] || { [ -z "$$DISPLAY" ] && [ -z "$$WAYLAND_DISPLAY" ] && [ "$$(uname)" != Darwin ]; }; then \
		echo "No display here (or CI is set), so no browser is opened. Start JupyterLab with"; \
		echo "  $(BIN)/jupyter lab --no-browser $(NOTEBOOK)"; \
		echo "and open the http://localhost:8888/lab?token=... URL it prints."; \
	else \
		$(BIN)/jupyter lab $(NOTEBOOK); \
	fi

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf outputs .pytest_cache .ruff_cache
