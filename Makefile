# cita — the two commands are `make demo` and `make test`; `make help` lists the rest.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The virtualenv is rebuilt only when the dependency list changes: the stamp's name is a hash of it.
DEPS_HASH := $(shell cat pyproject.toml constraints.txt 2>/dev/null | sha256sum | cut -c1-16)
STAMP := $(VENV)/.deps-$(DEPS_HASH)
PO := $(wildcard cita/*/locale/*/LC_MESSAGES/*.po cita/locale/*/LC_MESSAGES/*.po)
MO := $(PO:.po=.mo)

.DEFAULT_GOAL := help
.PHONY: help demo test lint typecheck pytest bench messages clean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip 2>&1 | { grep -v ' is ignored: it is neither' || true; }
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]' 2>&1 | { grep -vE ' is ignored: it is neither|BuildBackendWarning|^ +' || true; }
	@rm -f $(VENV)/.deps-*
	@touch $@

%.mo: %.po
	msgfmt --check -o $@ $<

messages: $(STAMP) $(MO) ## compile the translation catalogues

demo: $(STAMP) $(MO) ## start the demo: embedded PostgreSQL, demo data, web server and worker on http://127.0.0.1:8000
	$(BIN)/cita demo

test: lint pytest ## the whole suite: ruff, mypy, pytest

lint: $(STAMP) ## ruff and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy cita bench tests

pytest: $(STAMP) $(MO) ## pytest only (PYTEST_ARGS=... to pass options)
	$(BIN)/pytest $(PYTEST_ARGS)

bench: $(STAMP) $(MO) ## benchmarks under bench/, each reported as a ratio against a floor measured in the same run
	$(BIN)/python -m bench

clean: ## remove the virtualenv, caches and the embedded database
	rm -rf $(VENV) .cita .mypy_cache .ruff_cache .pytest_cache .hypothesis test-artifacts
