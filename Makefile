# Chorus: `make run` serves the app with a worker; `make test` runs the whole suite. Nothing else by hand.
SHELL := /bin/bash
PYTHON ?= $(shell for p in python3 python3.13 python3.12 python3.11; do $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed-$(shell cat requirements.txt | sha1sum | cut -c1-12)
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test lint setup install migrate demo firmware-test clean help

help:
	@echo "make run   - install, migrate, load the demo campaign, serve http://$(HOST):$(PORT) with a Celery worker"
	@echo "make test  - the same set-up, the checks (ruff, import-linter, clang-format), then the whole test suite"
	@echo "make lint  - the checks alone"

$(INSTALLED): requirements.txt
	@test -n "$(PYTHON)" || { echo "Chorus needs Python >= 3.11 (python3.11, python3.12 or python3.13 on PATH)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing the Python packages into $(VENV) (the first time takes a few minutes, mostly TensorFlow)"
	@set -o pipefail; $(BIN)/python -m pip install --disable-pip-version-check --progress-bar off -r requirements.txt \
		| awk '/^(Collecting|Installing collected|Successfully installed)/ { print "  " substr($$0, 1, 110); fflush() }'
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(INSTALLED)

migrate: install
	$(BIN)/python manage.py migrate --noinput

# The demo campaign and its synthetic starter voices (about 30 s; a second run only tops up).
demo: migrate
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py synthesize --campaign speech-commands-demo

setup: demo

run: setup
	$(BIN)/python -m config.launch --host $(HOST) --port $(PORT)

test: lint setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Style and layering: ruff (lint and format, pyproject.toml), the import-linter contracts (apps in pipeline
# order, kws free of Django) and clang-format over the firmware's C core.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(MAKE) -s -C firmware format-check

# The firmware's host build, C unit tests and parity/simulation tests (also part of `make test`).
firmware-test: install
	$(MAKE) -C firmware test

clean:
	rm -rf var/test .pytest_cache
