# Overdue — the commands a Pelican user expects, plus the registry's own.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INPUTDIR := content
OUTPUTDIR := output
CONFFILE := pelicanconf.py
PUBLISHCONF := publishconf.py
PORT ?= 8000

.PHONY: html build check serve test lint publish bench clean regen-golden

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall when the dependency pins change.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

check: $(VENV)/.installed
	$(BIN)/overdue check

html: check
	$(BIN)/pelican $(INPUTDIR) -o $(OUTPUTDIR) -s $(CONFFILE) --fatal warnings

build: html

serve: $(VENV)/.installed
	$(BIN)/pelican --listen --bind 127.0.0.1 --port $(PORT) -o $(OUTPUTDIR) -s $(CONFFILE)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check pipeline tests
	$(BIN)/mypy

test: $(VENV)/.installed-test lint
	$(BIN)/pytest

regen-golden: $(VENV)/.installed-test
	$(BIN)/pytest tests/test_golden.py --regen-golden

publish: check
	$(BIN)/pelican $(INPUTDIR) -o $(OUTPUTDIR) -s $(PUBLISHCONF) --fatal warnings
	$(BIN)/overdue publish

# BENCH_ARGS="--large" adds N=100,000; "--sizes 1000" for a quick run. See bench/bench.py.
bench: $(VENV)/.installed
	$(BIN)/python bench/bench.py $(BENCH_ARGS)

clean:
	rm -rf $(OUTPUTDIR) .overdue-cache .pytest_cache .mypy_cache .ruff_cache
