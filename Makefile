# The two set-up commands of the README: `make demo` and `make test`.
# Both create .venv on first use, so they work on a fresh machine with only python3.
# `make demo` installs the package alone (what the demo runs); `make test` adds the lint
# and test tools (the `test` extra) on top.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint venv

$(BIN)/python:
	@echo "make: creating the virtual environment $(VENV) (first run only)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# One stamp per install, so `make demo` never pulls the test tools and `make test` adds
# them to the same environment.
$(VENV)/.installed-runtime: pyproject.toml | $(BIN)/python
	@echo "make: installing telefonistka and its dependencies into $(VENV) (about 20 s, first run only)"
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	@echo "make: installing telefonistka with its lint and test tools into $(VENV) (first run only)"
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(VENV)/.installed-runtime $@

venv: $(VENV)/.installed-test

demo: $(VENV)/.installed-runtime
	@echo "make: running the demo (telefonistka demo)"
	$(BIN)/telefonistka demo

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Branch coverage gate: the package (pure core and adapters) stays at 90 % or more.
# scripts/test-tools.sh installs kubectl, the Pushgateway and promtool when missing.
test: lint
	./scripts/test-tools.sh
	$(BIN)/pytest --cov=telefonistka --cov-branch --cov-report=term:skip-covered --cov-fail-under=90
