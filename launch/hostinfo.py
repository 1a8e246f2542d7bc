"""What `lxpack doctor` says about the host before the backends: the CPU,
whether this process runs translated (Rosetta), whether the interpreter
running it carries the hypervisor entitlement, and on macOS what
Hypervisor.framework's hv_vm_create answers.

Owns: those four facts, each as (label, text) lines; nothing here changes
the host (the VM hv_vm_create makes is destroyed at once, before any
backend is probed: a process may hold one VM). Reading the entitlement
uses the packager's Mach-O reader, which bundles do not carry: inside a
bundle that line says so. Python 3.9.
"""
import ctypes
import ctypes.util
import os
import platform
import sys

from lxpack.runtime.vmm.hvf._hv import FRAMEWORK as _HV_FRAMEWORK, RETURN_NAMES as HV_RETURNS

HYPERVISOR = "com.apple.security.hypervisor"
_HV_MEANING = {
    "HV_DENIED": "the interpreter lacks the com.apple.security.hypervisor entitlement",
    "HV_UNSUPPORTED": "this Mac or VM has no hardware virtualisation for this process",
    "HV_NO_DEVICE": "no virtualisation device (a VM without nested virtualisation?)",
    "HV_BUSY": "this process already has a VM",
}


def _sysctl_int(name):
    """sysctlbyname(name) as an int, or None where it does not exist."""
    libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    value = ctypes.c_int(0)
    size = ctypes.c_size_t(ctypes.sizeof(value))
    if libc.sysctlbyname(name.encode(), ctypes.byref(value), ctypes.byref(size), None, ctypes.c_size_t(0)) != 0:
        return None
    return value.value


def architecture():
    machine = platform.machine()
    if sys.platform == "darwin":
        arm = _sysctl_int("hw.optional.arm64") == 1
        return "%s (%s Mac; this process: %s)" % ("arm64" if arm else "x86_64",
                                                   "Apple silicon" if arm else "Intel", machine)
    return "%s (%s)" % (machine, platform.system())


def translated():
    if sys.platform != "darwin":
        return "no (Rosetta exists only on macOS)"
    t = _sysctl_int("sysctl.proc_translated")
    if t is None:
        return "no (sysctl.proc_translated absent: an Intel Mac or an old macOS)"
    return "yes: an x86_64 process under Rosetta on Apple silicon" if t == 1 else "no (native)"


def entitlement(path=None):
    path = os.path.realpath(path or sys.executable)
    try:
        from lxpack.packager import machosign
    except ImportError:
        return "%s: cannot check here (run `lxpack inspect-bundle` on the bundle)" % path
    if not machosign.is_macho(path):
        return "%s: not a Mach-O file (the entitlement applies to macOS executables only)" % path
    try:
        sigs = machosign.read_signatures(path)
    except (OSError, machosign.MachOError) as e:
        return "%s: cannot read its signature: %s" % (path, e)
    parts = []
    for s in sigs:
        ents = s.entitlements if s.entitlements is not None else s.der_entitlements
        has = bool((ents or {}).get(HYPERVISOR))
        parts.append("%s %s%s" % (s.arch, "yes" if has else "NO",
                                  "" if s.valid else " (signature %s)" % ("missing" if not s.signed else "invalid")))
    return "%s: %s" % (path, ", ".join(parts))


def hv_vm_create():
    if sys.platform != "darwin":
        return "not tried (Hypervisor.framework exists only on macOS)"
    try:
        hv = ctypes.CDLL(_HV_FRAMEWORK)
    except OSError as e:
        return "cannot load %s: %s" % (_HV_FRAMEWORK, e)
    hv.hv_vm_create.restype = ctypes.c_uint32
    hv.hv_vm_create.argtypes = [ctypes.c_uint64]  # Intel: options; Apple silicon: config (NULL)
    hv.hv_vm_destroy.restype = ctypes.c_uint32
    rc = hv.hv_vm_create(0)
    name = HV_RETURNS.get(rc, "%#x" % rc)
    if rc == 0:
        hv.hv_vm_destroy()
        return "HV_SUCCESS (a VM was created and destroyed)"
    meaning = _HV_MEANING.get(name)
    return "%s%s" % (name, ": " + meaning if meaning else "")


def report():
    """[(label, text)] for `lxpack doctor`."""
    return [("host", architecture()), ("translated", translated()),
            ("python", "%s %s" % (platform.python_implementation(), platform.python_version())),
            ("entitlement", "%s: %s" % (HYPERVISOR, entitlement())),
            ("hv_vm_create", hv_vm_create())]
