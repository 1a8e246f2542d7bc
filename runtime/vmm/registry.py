"""Backends registered by name, with probes that say why one cannot run here.

Owns: the list of backends in preference order (fastest first), probing,
and `auto` selection. `lxpack doctor` prints the probe results.
Travels inside bundles: Python 3.9.
"""
import importlib
import os
import sys

from lxpack.errors import BackendUnavailable


class ProbeResult(object):
    __slots__ = ("name", "ok", "reason")

    def __init__(self, name, ok, reason):
        self.name = name
        self.ok = ok
        self.reason = reason

    def __repr__(self):
        return "ProbeResult(%r, %r, %r)" % (self.name, self.ok, self.reason)


# name -> (module path, backend class name); preference order for `auto`.
_BACKENDS = [
    ("kvm", "lxpack.runtime.vmm.kvm.backend", "KvmBackend"),
    ("hvf", "lxpack.runtime.vmm.hvf.backend", "HvfBackend"),
    ("unicorn", "lxpack.runtime.vmm.unicorn.backend", "UnicornBackend"),
]


def _hvf_double():
    return os.environ.get("LXPACK_HVF_DOUBLE") == "kvm" or \
        getattr(sys, "_xoptions", {}).get("lxpack_hvf_double") == "kvm"


def names():
    return [n for n, _, _ in _BACKENDS]


def _probe_one(name, modpath):
    if name == "hvf" and sys.platform != "darwin" and not _hvf_double():
        # (LXPACK_HVF_DOUBLE=kvm: its test double over KVM, runtime/vmm/hvf/double.py)
        return ProbeResult(name, False, "Hypervisor.framework exists only on macOS")
    if name == "kvm" and not sys.platform.startswith("linux"):
        return ProbeResult(name, False, "KVM exists only on Linux")
    if name == "kvm" and not os.path.exists("/dev/kvm"):
        return ProbeResult(name, False, "/dev/kvm does not exist (no KVM in this kernel or VM)")
    try:
        mod = importlib.import_module(modpath)
    except ImportError as e:
        return ProbeResult(name, False, "not built yet (%s)" % e)
    ok, reason = mod.probe()
    return ProbeResult(name, ok, reason)


def probe_all():
    return [_probe_one(n, m) for n, m, _ in _BACKENDS]


def get(name="auto"):
    """The backend object for `name` ('auto' picks the first usable one)."""
    if name == "auto":
        for n, m, cls in _BACKENDS:       # the first usable one; the rest are not even imported
            if _probe_one(n, m).ok:
                return getattr(importlib.import_module(m), cls)()
        raise BackendUnavailable("no usable backend; run `lxpack doctor`")
    for n, m, cls in _BACKENDS:
        if n == name:
            r = _probe_one(n, m)
            if not r.ok:
                raise BackendUnavailable("backend %s is not usable here: %s" % (name, r.reason))
            return getattr(importlib.import_module(m), cls)()
    raise BackendUnavailable("unknown backend %r (choose from %s)" % (name, ", ".join(names())))
