# Two commands on a fresh machine: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
INSTALLED := $(VENV)/.installed
DEV_INSTALLED := $(VENV)/.installed-dev
CORPUS ?= seeds
INDEX ?= embeddings

.PHONY: run test lint bench index chromium clean

$(PY):
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the project's dependencies change.
$(INSTALLED): pyproject.toml constraints.txt | $(PY)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -c constraints.txt -e .
	touch $@

$(DEV_INSTALLED): $(INSTALLED)
	$(PIP) install --quiet -c constraints.txt -e '.[dev]'
	touch $@

# `qa index` is incremental: with nothing changed it embeds nothing and returns in a second or two.
index: $(INSTALLED)
	$(VENV)/bin/qa index $(CORPUS) --index $(INDEX) --quiet

run: index
	$(PY) app.py --index $(INDEX) --corpus $(CORPUS)

# Browser tests use Debian's chromium (and a CJK font for readable screenshots); install them
# where we can (root, as in CI), otherwise the browser tests skip and say why.
chromium:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi wqy; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null) \
	      || echo "chromium could not be installed: browser tests will skip"; \
	  else echo "chromium missing and not root: browser tests will skip"; fi; \
	fi

lint: $(DEV_INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy qa

# pytest exits 5 when it collects nothing: a suite that runs no test is a failure, not a pass.
test: $(DEV_INSTALLED) chromium lint
	@$(VENV)/bin/pytest; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi; exit $$rc

bench: $(INSTALLED)
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

clean:
	rm -rf $(VENV) $(INDEX)/*.json $(INDEX)/*.npy $(INDEX)/*.jsonl .pytest_cache .mypy_cache .ruff_cache
