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

run: $(VENV)/.installed
	$(BIN)/brewbot run

demo: $(VENV)/.installed
	$(BIN)/brewbot demo

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

test: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/mypy
	# One worker per core: many tests wait on real processes, sockets and databases.
	# Bytecode is cached even where the environment turns it off (PYTHONDONTWRITEBYTECODE):
	# the tests start about 200 brewbot processes, each compiling the project again without it.
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n auto

# Removes what can be made again (the virtualenv, the demo's output); keeps the database.
clean:
	rm -rf $(VENV) digests

# Removes the database, its log and everything people told Brewbot. There is no undo.
clean-data:
	rm -rf data
