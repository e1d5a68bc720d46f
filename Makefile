# Two commands do all the set-up on a fresh machine with Python 3.11:
#   make serve   build the argument map and serve it on 127.0.0.1:8000
#   make test    run the whole test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
SEEDS ?= ../shared/seeds
# Material prints a banner about its successor on every MkDocs run; it says nothing about this site.
export NO_MKDOCS_2_WARNING := 1

ARGDOWN := tests/argdown/node_modules/.bin/argdown
AXE := tests/axe/node_modules/axe-core/axe.min.js
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: serve build test test-tools check schema bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps re-run the install when the project's metadata changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

serve: $(VENV)/.installed
	$(BIN)/kb check
	$(BIN)/mkdocs serve --dev-addr 127.0.0.1:8000

build: $(VENV)/.installed
	$(BIN)/mkdocs build --strict

# Real readers of the exports, for the tests: Graphviz from Debian, the Argdown CLI from
# npm (pinned in tests/argdown). Installed only when missing; KB_SKIP_EXTERNAL=1 skips both.
# The browser tests drive Debian's Chromium, installed when missing; KB_SKIP_BROWSER=1 skips them.
$(ARGDOWN): tests/argdown/package.json tests/argdown/package-lock.json
	cd tests/argdown && npm ci --no-audit --no-fund
	touch $@

# axe-core (npm, pinned in tests/axe) is injected by the browser tests to scan pages for accessibility problems.
$(AXE): tests/axe/package.json tests/axe/package-lock.json
	cd tests/axe && npm ci --no-audit --no-fund
	touch $@

test-tools: $(if $(KB_SKIP_EXTERNAL),,$(ARGDOWN)) $(if $(KB_SKIP_BROWSER),,$(AXE))
	@[ -n "$(KB_SKIP_EXTERNAL)" ] || command -v dot >/dev/null || \
		{ $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq graphviz; }
	@[ "$(KB_SKIP_BROWSER)" = 1 ] || [ -x /usr/bin/chromium ] || \
		{ $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; }

# One worker per core (pytest-xdist); each test file stays on one worker, so a file's shared
# fixtures (a built site, a browser) are made once. `.venv/bin/pytest FILE` runs one file alone.
test: $(VENV)/.installed-test test-tools
	$(BIN)/python -m pytest -n auto --dist loadfile

check: $(VENV)/.installed
	$(BIN)/kb check --strict $(if $(wildcard $(SEEDS)),--sources $(SEEDS))

schema: $(VENV)/.installed
	$(BIN)/kb schema

bench: $(VENV)/.installed-test
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) site-build .pytest_cache
