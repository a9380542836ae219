# The two commands of the README: `make demo` (the main job, embedded default, no server) and
# `make test` (lint, types, tests). Both create the virtual environment when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint types install clean catalog

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/actes demo --keep-running

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(STAMP)
	$(BIN)/mypy

test: lint types
	$(BIN)/pytest

# Update the message catalogs after marking or changing messages with _() (workflow/i18n);
# then translate the new French entries (tests/core/test_i18n.py fails until they are).
catalog: $(STAMP)
	$(BIN)/pybabel extract --no-location --omit-header -F babel.cfg -o workflow/i18n/messages.pot .
	$(BIN)/pybabel update --omit-header --no-fuzzy-matching -i workflow/i18n/messages.pot -d workflow/i18n/locale
	rm workflow/i18n/messages.pot

clean:
	rm -rf $(VENV) actes-data .pytest_cache .mypy_cache .ruff_cache
