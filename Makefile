# make test: from a fresh clone to a passing suite (creates .venv, installs, runs ruff, mypy, pytest).
# make chat: the main job, on the bundled regulation, offline.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 7860

.PHONY: test lint chat bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch 2.13.0 is the CPU build on this machine's disk; installing it first keeps
	# the st extra from pulling a multi-GB CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev,st,llm]'
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check assistant tests benchmarks
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

chat: $(STAMP)
	@echo "The chat page is not built yet (issue 5); until it is, here is an article from the CLI."
	@echo "Try: $(BIN)/tiaoli show 17 --lang both | $(BIN)/tiaoli glossary 链长制 | $(BIN)/tiaoli export --json"
	@echo
	$(BIN)/tiaoli show 17 --lang both

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

bench: $(STAMP)
	$(BIN)/python benchmarks/retrieval.py
