# make test: from a fresh clone to a passing suite (creates .venv, installs, runs ruff, mypy, pytest).
# make chat: the main job, on the bundled regulation, offline.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 7860

.PHONY: test lint browser chat bench stard loadtest clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch 2.13.0 is the CPU build on this machine's disk; installing it first keeps
	# the st extra from pulling a multi-GB CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev,st,llm,mcp]'
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check assistant tests benchmarks
	$(BIN)/mypy

# The browser test drives Debian's chromium (never a downloaded browser), with the CJK and
# colour-emoji fonts the page needs (or Chinese and the feedback buttons render as boxes).
# Installed here when missing and we are root; otherwise that test is skipped (failed under
# CI=true).
BROWSER_PACKAGES := chromium fonts-noto-cjk fonts-noto-color-emoji
browser:
	@missing=""; command -v chromium >/dev/null 2>&1 || missing="chromium"; \
	for p in fonts-noto-cjk fonts-noto-color-emoji; do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing$$missing for the browser test"; \
	    apt-get install -y -q $(BROWSER_PACKAGES) >/dev/null 2>&1 || \
	    { apt-get update -q >/dev/null && apt-get install -y -q $(BROWSER_PACKAGES) >/dev/null; }; \
	  else echo "missing$$missing and this is not root: the browser test may be skipped"; fi; \
	fi

test: lint browser
	GRADIO_ANALYTICS_ENABLED=False $(BIN)/pytest

chat: $(STAMP)
	GRADIO_ANALYTICS_ENABLED=False $(BIN)/tiaoli serve --host 127.0.0.1 --port $(PORT)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

# Cold start-up beside a yardstick; retrieval latency and build time on the bundled regulation, then synthetic
# corpora of 1,000 and 10,000 articles and the flat/HNSW crossover (~25 min here).
bench: $(STAMP)
	$(BIN)/python benchmarks/startup.py
	$(BIN)/python benchmarks/retrieval.py
	$(BIN)/python benchmarks/scale.py

# Retrieval on real law: STARD's 763 layperson questions over the 民法典 and 刑法, text only,
# fused beside BM25 and dense alone (needs ../shared/benchmarks/stard; ~10 min, most of it the
# first index build; STARD_WORK=DIR keeps the index for the next run).
stard: $(STAMP)
	$(BIN)/python benchmarks/stard.py $(if $(STARD_WORK),--workdir $(STARD_WORK))

loadtest: $(STAMP)
	$(BIN)/python benchmarks/loadtest.py
