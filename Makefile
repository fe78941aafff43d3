# The two set-up commands of the README: `make demo` and `make test`.
# Both create .venv on first use, so they work on a fresh machine with only python3.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint venv

$(BIN)/telefonistka: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

venv: $(BIN)/telefonistka

demo: venv
	$(BIN)/telefonistka demo

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Branch coverage gate: the package (pure core and adapters) stays at 90 % or more.
test: lint
	$(BIN)/pytest --cov=telefonistka --cov-branch --cov-report=term:skip-covered --cov-fail-under=90
