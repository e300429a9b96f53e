# The two entry points of the README: `make demo` and `make test`. Both set up what they need.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.feedcli-installed

# `make mutate`: plant one-token bugs in the engine, sinks, replay and book builders and see
# which tests notice (scripts/mutate.py; long, not part of CI; results in bench/README.md)
.PHONY: mutate demo test system-packages lint completions bench bench-setup bench-quick bench-stream

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
	@# pytest's exit code 5 (no tests collected) means the suite is broken: a failure, said so
	$(BIN)/pytest -n 2 --dist loadfile --max-worker-restart=0 --durations=15; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests" >&2; fi; exit $$rc

lint: $(STAMP)
	$(BIN)/ruff check feedcli tests bench
	$(BIN)/ruff format --check feedcli tests bench

completions: $(STAMP)
	$(BIN)/python -m feedcli.completion_scripts

# The benchmarks (bench/README.md). The peers they measure feedcli against live in bench/.venv,
# never in feedcli's environment: `bench-setup` makes it (and installs jq and hyperfine if missing).
BENCH_STAMP := bench/.venv/.peers-installed

$(BENCH_STAMP): bench/requirements.txt bench/setup-peers
	PY=$(PY) bash bench/setup-peers

bench-setup: $(STAMP) $(BENCH_STAMP)

# every row of issue 13's goals table, each beside its baseline, interleaved (about 5-8 min)
bench: bench-setup
	$(BIN)/python bench/goals_bench.py

# the same rows, one smaller run of each (about 1-2 min)
bench-quick: bench-setup
	$(BIN)/python bench/goals_bench.py --quick

# feedcli stream alone against its own targets: latency, memory, start-up (bench/README.md)
bench-stream: $(STAMP)
	$(BIN)/python bench/stream_bench.py

mutate: $(STAMP)
	$(BIN)/python scripts/mutate.py $(MUTATE_ARGS)
