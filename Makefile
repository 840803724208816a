# The README's two commands: `make run` (the gateway with its sandbox, end to end)
# and `make test` (the whole suite). Each does its own set-up.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test bench services lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

services:
	bash scripts/ensure-services.sh

run: $(STAMP) services
	$(BIN)/ekomunat-gateway demo

# mypy checks the packages [tool.mypy] names in pyproject.toml; a type error stops the run
# before the suite starts.
test: $(STAMP) services
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

bench: $(STAMP) services
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python -m bench.gateway_load

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) var
