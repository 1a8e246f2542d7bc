# One-command entry points (README quick start). Each target creates its own
# virtual environment and installs what it needs, so a fresh machine works.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: test test-issue4 test-issue6 demo bench bench-quick compat sysdeps docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,bench]'
	touch $@

sysdeps:
	sh tools/install-sysdeps.sh

test: $(STAMP) sysdeps
	$(PY) tools/gen_syscalls_doc.py --check
	$(PY) -m pytest -q $(PYTEST_ARGS)

# Only the issue-4 end-to-end tests (processes, threads, signals across
# processes; also part of `make test`).
test-issue4: $(STAMP) sysdeps
	$(PY) -m pytest -q -m issue4 $(PYTEST_ARGS)

# Only the issue-6 files (networking, poll/epoll, pseudo-terminals; also part
# of `make test`).
test-issue6: $(STAMP) sysdeps
	$(PY) -m pytest -q -m issue6 $(PYTEST_ARGS)

demo: $(STAMP) sysdeps
	sh tools/demo.sh $(PY)

bench: $(STAMP) sysdeps
	$(PY) -m bench.run

bench-quick: $(STAMP) sysdeps
	$(PY) -m bench.run --quick

compat: $(STAMP) sysdeps
	sh tools/install-compat-deps.sh
	$(PY) -m compat.run

docs: $(STAMP)
	$(PY) tools/gen_syscalls_doc.py

clean:
	rm -rf $(VENV) out
