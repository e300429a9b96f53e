# The two entry points of the README: `make demo` and `make test`. Both set up what they need.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.feedcli-installed

.PHONY: demo test system-packages lint completions bench

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

system-packages:
	bash scripts/install-system-packages

demo: $(STAMP)
	$(BIN)/feedcli demo

test: system-packages $(STAMP)
	$(BIN)/ruff check feedcli tests bench
	$(BIN)/pytest --durations=15

lint: $(STAMP)
	$(BIN)/ruff check feedcli tests bench
	$(BIN)/ruff format --check feedcli tests bench

completions: $(STAMP)
	$(BIN)/python -m feedcli.completion_scripts

bench: $(STAMP)
	$(BIN)/python bench/stream_bench.py
