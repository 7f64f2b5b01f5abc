# Two commands do all set-up: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test demo lint clean clean-data

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit("Brewbot needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

# axe-core for the browser tests (tests/platforms/web/test_browser.py), from npm into the
# virtualenv, pinned; without npm they are skipped, saying so.
AXE_VERSION := 4.14.1
AXE_DIR := $(VENV)/axe

$(AXE_DIR)/.installed-$(AXE_VERSION): | $(BIN)/python
	@if command -v npm >/dev/null; then \
		npm install --prefix $(AXE_DIR) --no-save --no-audit --no-fund --loglevel=error \
			axe-core@$(AXE_VERSION) && touch $@; \
	else echo "npm not found: axe-core is not installed and the browser tests will be skipped"; fi

run: $(VENV)/.installed
	$(BIN)/brewbot run

demo: $(VENV)/.installed
	$(BIN)/brewbot demo

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check bot cogs prompts storage

test: $(VENV)/.installed-dev $(AXE_DIR)/.installed-$(AXE_VERSION)
	$(BIN)/ruff check .
	# The project's own code keeps ruff's format (the tests keep some tables laid out by hand).
	$(BIN)/ruff format --check bot cogs prompts storage
	$(BIN)/mypy
	# One worker per core: many tests wait on real processes, sockets and databases. A worker
	# that runs out of tests takes some of the other's (worksteal): a worker held by the bench's
	# 40 s test otherwise kept a queue of its own behind it, a minute after the other finished.
	# Bytecode is cached even where the environment turns it off (PYTHONDONTWRITEBYTECODE):
	# the tests start about 200 brewbot processes, each compiling the project again without it.
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n auto --dist worksteal

# Removes what can be made again (the virtualenv, the demo's output); keeps the database.
clean:
	rm -rf $(VENV) digests

# Removes the database, its log and everything people told Brewbot. There is no undo.
clean-data:
	rm -rf data
