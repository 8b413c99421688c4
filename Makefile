# datobench developer commands.  `make test` and `make lab` create .venv themselves.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip -q --disable-pip-version-check
RUFF   := $(VENV)/bin/ruff
# pytest-xdist workers: one per core (the browser tests share one worker, each notebook's cells
# another; see tests/ui/conftest.py)
JOBS   ?= $(shell nproc 2>/dev/null || echo 2)

# Lint only the source folders that exist, so a fresh checkout still lints cleanly.
SRC := $(wildcard datobench tests examples benchmarks)

.PHONY: venv sysdeps test lint format bench examples lab clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@echo "  VENV     $(VENV) (installing .[test])"
	@$(PYTHON) -m venv $(VENV)
	@$(PIP) install --upgrade pip
	@$(PIP) install -e '.[test]'
	@touch $@

$(VENV)/.lab-installed: $(VENV)/.installed
	@echo "  VENV     $(VENV) (installing .[test,lab])"
	@$(PIP) install -e '.[test,lab]'
	@touch $@

# Debian packages the tests and the workbench use: graphviz (`dot`) renders task graphs, and
# chromium is the headless browser the UI tests drive through Playwright (which cannot download
# its own browsers here).  Installed only with apt-get and as root; one `apt-get update` for all.
sysdeps:
	@missing=""; \
	command -v dot >/dev/null 2>&1 || missing="$$missing graphviz"; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
		if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
			echo "  APT     $$missing"; \
			apt-get update -qq >/dev/null && \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		else \
			echo "  NOTE     missing Debian packages:$$missing (apt-get install$$missing)"; \
		fi; \
	fi

test: venv sysdeps
	@echo "  RUFF     $(SRC)"
	@$(RUFF) check --quiet $(SRC)
	@$(RUFF) format --check --quiet $(SRC)
	@echo "  PYTEST"
	@$(PY) -m pytest -q -n $(JOBS) --dist loadgroup
	@$(PY) -m pytest -q -n $(JOBS) --dist loadscope --nbval-lax --nbval-current-env tutorials
	@$(PY) -m pytest -q -n $(JOBS) --dist loadscope --nbval --nbval-current-env notebooks \
		--nbval-sanitize-with notebooks/sanitize.cfg

lint: venv
	@$(RUFF) check $(SRC)

format: venv
	@$(RUFF) format $(SRC)

bench: venv
	@set -e; for f in benchmarks/*.py; do \
		echo "  BENCH    $$f"; $(PY) $$f; \
	done

examples: venv
	@set -e; for f in examples/*.py; do \
		echo "  EXAMPLE  $$f"; $(PY) $$f; \
	done

lab: $(VENV)/.lab-installed sysdeps
	@$(VENV)/bin/jupyter lab --notebook-dir=tutorials

clean:
	@rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache .hypothesis artifacts
	@find . -name __pycache__ -type d -prune -exec rm -rf {} +
	@find . -name .ipynb_checkpoints -type d -prune -exec rm -rf {} +
