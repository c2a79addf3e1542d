# `make demo` and `make test` are the whole set-up on a fresh machine: each creates .venv and installs
# the project (with its test extras) when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench install clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest -q

demo: $(STAMP)
	$(BIN)/baseline recs list NG225

bench: $(STAMP)
	$(BIN)/python bench/bench.py --returns 200

clean:
	rm -rf $(VENV) .pytest_cache demo-output .benchmarks
