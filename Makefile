# One-command entry points (README quick start). Each target creates its own
# virtual environment and installs what it needs, so a fresh machine works.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: test demo bench compat sysdeps docs clean

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

demo: $(STAMP) sysdeps
	sh tools/demo.sh $(PY)

bench: $(STAMP) sysdeps
	$(PY) -m bench.run

docs: $(STAMP)
	$(PY) tools/gen_syscalls_doc.py

clean:
	rm -rf $(VENV) out
