# One-command entry points (README quick start). Each target creates its own
# virtual environment and installs what it needs, so a fresh machine works.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: test test-unikernel test-processes test-net test-stress fuzz demo bench bench-quick compat sysdeps docs clean

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

# The unikernel's unit tier (tests/unikernel: handlers driven through the
# dispatcher with a fake host and VM; seconds, no KVM or unicorn) and the
# source-rule/ABI tests (tests/unit); also part of `make test`.
test-unikernel: $(STAMP)
	$(PY) -m pytest -q tests/unikernel tests/unit $(PYTEST_ARGS)

# Only the processes end-to-end tests (processes, threads, signals across
# processes; also part of `make test`).
test-processes: $(STAMP) sysdeps
	$(PY) -m pytest -q -m processes $(PYTEST_ARGS)

# Only the network files (networking, poll/epoll, pseudo-terminals; also part
# of `make test`).
test-net: $(STAMP) sysdeps
	$(PY) -m pytest -q -m net $(PYTEST_ARGS)

# Timing-dependent end-to-end samples (timers, threads, signals), three
# rounds while CPU hogs keep every core busy.
test-stress: $(STAMP) sysdeps
	$(PY) tests/e2e/stress_under_load.py $(STRESS_ARGS)

# Differential syscall fuzzing campaign (tests/fuzz/): sysfuzz natively vs
# each backend, unprivileged in a private PID namespace. The smoke set (10 seeds
# x 200 calls) is part of `make test`. Override: make fuzz FUZZ_SEEDS=20 FUZZ_CALLS=500
# FUZZ_BACKENDS=kvm FUZZ_ARGS='--json --out fuzz.json'.
FUZZ_SEEDS    ?= 100
FUZZ_CALLS    ?= 300
FUZZ_BACKENDS ?= kvm,unicorn
FUZZ_JOBS     ?= 2
fuzz: $(STAMP) sysdeps
	$(PY) tests/fuzz/run.py --seeds $(FUZZ_SEEDS) --calls $(FUZZ_CALLS) --backends $(FUZZ_BACKENDS) --jobs $(FUZZ_JOBS) $(FUZZ_ARGS)

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
