"""A record of the Hypervisor.framework calls the hvf backend makes, to
compare a run on a real Intel Mac with the golden traces recorded through
the KVM test double (tests/hvf/golden/*.trace).

Owns: TracingApi (wraps the API object when LXPACK_HVF_TRACE=FILE: every
call that sets up or runs the VM is appended to FILE as one line
`pid vcpu call args -> result`; register reads and the GPR traffic of each
exit are left out, as are values that differ between runs: host addresses,
general registers, TSC values) and normalize() (what two traces must share:
per process in order of appearance and per vCPU, the set-up calls and the
sequence of exit reasons, external-interrupt exits dropped since they
come at random on both sides).
Knows CPUs and memory, not Linux. Travels inside bundles: Python 3.9.
"""
import os
import threading

from lxpack.runtime.vmm.hvf import _hv as H

_GPR_REGS = set(H.GPR_IDS)
# VMCS fields whose written values are set-up (not run-time state)
_SETUP_FIELDS = {H.VMCS_PIN_BASED_CTLS, H.VMCS_PRI_PROC_BASED_CTLS, H.VMCS_SEC_PROC_BASED_CTLS,
                 H.VMCS_ENTRY_CTLS, H.VMCS_EXIT_CTLS, H.VMCS_EXCEPTION_BITMAP, H.VMCS_GUEST_CR0,
                 H.VMCS_GUEST_CR4, H.VMCS_CR0_MASK, H.VMCS_CR4_MASK, H.VMCS_CR0_SHADOW, H.VMCS_CR4_SHADOW,
                 H.VMCS_GUEST_IA32_EFER}
_REG_NAME = {v: k for k, v in H.REG.items()}


class TracingApi(object):
    def __init__(self, inner, path):
        self.inner = inner
        self.needs_kick_signal = inner.needs_kick_signal
        self.name = inner.name
        self.path = path
        self.lock = threading.Lock()
        self._fd = None
        self._pid = None

    def _emit(self, who, text):
        with self.lock:
            if self._pid != os.getpid():
                self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
                self._pid = os.getpid()
            os.write(self._fd, ("%d %s %s\n" % (self._pid, who, text)).encode())

    def set_kick_signal(self, sig):
        self.inner.set_kick_signal(sig)

    def tsc_hz(self):
        return self.inner.tsc_hz()

    def __getattr__(self, name):
        f = getattr(self.inner, name)
        if not name.startswith("hv_"):
            return f
        fmt = getattr(self, "_fmt_" + name, None)

        def call(*args):
            r = f(*args)
            text = fmt(args, r) if fmt is not None else "%s(%s)" % (name, ", ".join(_arg(a) for a in args))
            if text is not None:
                who = "vm" if not name.startswith(("hv_vcpu", "hv_vmx_vcpu")) or name == "hv_vcpu_create" \
                    else "v%d" % args[0]
                self._emit(who, "%s -> %s" % (text, H.RETURN_NAMES.get(r, "%#x" % r)))
            return r
        return call

    # what each call records (None: nothing)
    def _fmt_hv_vm_map(self, a, r):
        return "hv_vm_map(gpa=%#x, size=%#x, flags=%d)" % (a[1], a[2], a[3])

    def _fmt_hv_vm_sync_tsc(self, a, r):
        return "hv_vm_sync_tsc(*)"

    def _fmt_hv_vcpu_create(self, a, r):
        return "hv_vcpu_create(-> v%d)" % _deref(a[0])

    def _fmt_hv_vcpu_read_register(self, a, r):
        return None

    def _fmt_hv_vmx_vcpu_read_vmcs(self, a, r):
        if a[1] == H.VMCS_EXIT_REASON:
            reason = _deref(a[2])
            return "exit %s%s" % ("FAILED-ENTRY " if reason & H.EXIT_REASON_ENTRY_FAIL else "",
                                  H.EXIT_NAMES.get(reason & 0xFFFF, reason & 0xFFFF))
        if a[1] == H.VMCS_EXIT_QUALIFICATION:
            return "  qualification %#x" % _deref(a[2])
        return None

    def _fmt_hv_vcpu_write_register(self, a, r):
        val = "*" if a[1] in _GPR_REGS else "%#x" % a[2]
        return None if a[1] in _GPR_REGS else "write_register(%s, %s)" % (_REG_NAME.get(a[1], a[1]), val)

    def _fmt_hv_vmx_vcpu_write_vmcs(self, a, r):
        return "write_vmcs(%#x, %s)" % (a[1], "%#x" % a[2] if a[1] in _SETUP_FIELDS else "*")

    def _fmt_hv_vcpu_run_until(self, a, r):
        return None if r == H.HV_SUCCESS else "hv_vcpu_run_until"

    def _fmt_hv_vcpu_read_fpstate(self, a, r):
        return "read_fpstate"

    def _fmt_hv_vcpu_write_fpstate(self, a, r):
        return "write_fpstate"


def _deref(p):
    obj = getattr(p, "_obj", None)
    return obj.value if obj is not None else p[0]


def _arg(a):
    if isinstance(a, int):
        return "%#x" % a
    return "*"


def wrap(api):
    path = os.environ.get("LXPACK_HVF_TRACE")
    return TracingApi(api, path) if path else api


def normalize(lines):
    """{(process number, who): [events]} of a trace: processes numbered in
    order of appearance, external-interrupt exits and their lines dropped,
    run-time VMCS writes (`*`) dropped, repeated invalidate_tlb folded."""
    procs = {}
    out = {}
    for line in lines:
        parts = line.rstrip("\n").split(" ", 2)
        if len(parts) < 3:
            continue
        pid, who, text = parts
        n = procs.setdefault(pid, len(procs))
        ev = out.setdefault((n, who), [])
        if text.startswith("exit EXT_INTR") or ", *) ->" in text:
            continue
        if text.startswith("  qualification") and ev and ev[-1].startswith("exit EXT_INTR"):
            continue
        if ev and ev[-1] == text and "invalidate_tlb" in text:
            continue
        ev.append(text)
    return out


def main(argv):
    """python -m lxpack.runtime.vmm.hvf.trace GOLDEN MINE: where they part."""
    a = normalize(open(argv[0]).readlines())
    b = normalize(open(argv[1]).readlines())
    bad = 0
    for key in sorted(set(a) | set(b)):
        x, y = a.get(key, []), b.get(key, [])
        for i in range(max(len(x), len(y))):
            if i >= len(x) or i >= len(y) or x[i] != y[i]:
                print("process %d %s, event %d: golden %r, this run %r" % (key[0], key[1], i,
                                                                         x[i] if i < len(x) else None,
                                                                         y[i] if i < len(y) else None))
                bad += 1
                break
    return 1 if bad else 0


if __name__ == "__main__":
    import sys
    sys.exit(main(sys.argv[1:]))
