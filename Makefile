# Overdue — the commands a Pelican user expects, plus the registry's own.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INPUTDIR := content
OUTPUTDIR := output
CONFFILE := pelicanconf.py
PUBLISHCONF := publishconf.py
PORT ?= 8000

.PHONY: html build check serve test lint publish bench bench-publish clean regen-golden docs audit audit-tools

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
	$(BIN)/pytest -n auto

regen-golden: $(VENV)/.installed-test
	$(BIN)/pytest tests/seo/test_golden.py --regen-golden

publish: check
	$(BIN)/pelican $(INPUTDIR) -o $(OUTPUTDIR) -s $(PUBLISHCONF) --fatal warnings
	$(BIN)/overdue publish

# BENCH_ARGS="--large" adds N=100,000; "--sizes 1000" for a quick run. See bench/bench.py.
bench: $(VENV)/.installed
	@# Bytecode, as any Python caches it on first import: where PYTHONDONTWRITEBYTECODE
	@# is set (as on these machines), every timed process compiled the package afresh.
	$(BIN)/python -m compileall -q pipeline
	$(BIN)/python bench/bench.py $(BENCH_ARGS)

docs: $(VENV)/.installed
	$(BIN)/overdue docs --write README.md
	$(BIN)/overdue schema > schema/case.schema.json

# Uploads and bytes for a one-case change: `overdue publish` vs `aws s3 sync` (awscli from PyPI).
bench-publish: $(VENV)/.installed-test
	@# awscli pins its own botocore: keep it in a venv of its own so it cannot change ours.
	-test -x $(VENV)/awscli/bin/aws || { $(PYTHON) -m venv $(VENV)/awscli && $(VENV)/awscli/bin/pip install --quiet awscli; } || echo "awscli could not be installed; the bench reports it as unavailable"
	$(BIN)/python bench/publish_bench.py

clean:
	rm -rf $(OUTPUTDIR) .overdue-cache .pytest_cache .mypy_cache .ruff_cache

# `make audit`: the real validators on the built site (see tools/audit.py). Installs its
# tools on a fresh machine: Debian's chromium (apt-get, needs root or sudo), and
# lighthouse@12.8.2 + vnu-jar from npm into .audit/ (gitignored). Java must be present.
AUDIT_TOOLS := .audit
LIGHTHOUSE_VERSION := 12.8.2
VNU_VERSION := 26.9.27

$(AUDIT_TOOLS)/.installed:
	mkdir -p $(AUDIT_TOOLS)
	cd $(AUDIT_TOOLS) && npm i -E --no-audit --no-fund lighthouse@$(LIGHTHOUSE_VERSION) vnu-jar@$(VNU_VERSION)
	touch $@

audit-tools: $(AUDIT_TOOLS)/.installed $(VENV)/.installed-test
	@command -v java >/dev/null || { echo "make audit needs Java (for vnu.jar)"; exit 1; }
	@if ! command -v chromium >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update && apt-get install -y chromium; \
	  else sudo apt-get update && sudo apt-get install -y chromium; fi; \
	fi

audit: audit-tools html
	$(BIN)/python tools/audit.py --output $(OUTPUTDIR) --tools $(AUDIT_TOOLS) --chromium "$$(command -v chromium)"
