# Every target sets itself up: a fresh machine needs nothing installed by hand.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup system-deps test lint run bench soak diagrams docs clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

# Debian packages the tests use: Graphviz `dot` for SVG/PNG diagrams, Chromium for the playground browser test,
# redis-server for the Redis store tests (started by a fixture on a free loopback port, no persistence).
system-deps:
	@if ! command -v dot >/dev/null || ! command -v chromium >/dev/null || ! command -v redis-server >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz chromium redis-server >/dev/null; \
	fi

test: $(STAMP) system-deps
	$(VENV)/bin/lint-imports
	$(PY) -m flowfsm check examples
	$(PY) -m flowfsm explore examples
	$(PY) -m pytest --flowfsm-cov=examples --flowfsm-cov-fail-under=95

lint: $(STAMP)
	$(VENV)/bin/ruff check flowfsm examples tests bench
	$(VENV)/bin/ruff format --check flowfsm examples tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

run: $(STAMP)
	$(PY) -m flowfsm run examples

bench: $(STAMP)
	$(PY) bench/run.py

# STORE=redis: three replicas on a RedisStore (a real redis-server), with replica kills and restarts.
STORE ?= memory
soak: $(STAMP) system-deps
	STORE=$(STORE) $(PY) bench/soak.py

diagrams: $(STAMP) system-deps
	$(PY) -m flowfsm diagrams examples --out docs/diagrams

# The documentation site (MkDocs + Material + mkdocstrings) into site/; --strict fails on any
# broken link, reference or include. tests/test_docs.py runs the same build in `make test`.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict

clean:
	rm -rf $(VENV) build *.egg-info site
