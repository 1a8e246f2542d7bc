"""Composition root (placeholder until the runtime lands): manifest -> backend -> host -> unikernel."""
from lxpack.errors import BackendUnavailable


def run_program(argv, backend="auto", root=None, strace=False, strace_file=None, stats=False, host_exec=()):
    raise BackendUnavailable("no backend is available yet")


def run_bundle(resources_dir, argv):
    raise BackendUnavailable("no backend is available yet")


def probe_backends():
    return []
