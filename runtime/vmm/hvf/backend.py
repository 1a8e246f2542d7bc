"""The hvf backend: Linux programs at native speed under macOS's
Hypervisor.framework on Intel Macs (or, on Linux, through its KVM test
double: LXPACK_HVF_DOUBLE=kvm).

Owns: probing the framework (for `lxpack doctor` and `auto`), the backend
object boot gets from the registry (HvfBackend: the framework's VMX
capabilities, the CPUID the guest sees, the TSC frequency of the guest
clock). The VM is vm.py's HvfVm, its vCPUs vcpu.py's HvfVcpu, its in-VM
assistance assist.py's HvfAssist. It runs the kvm backend's guest code and
exit protocol (unikernel/guest/entry.bin; runtime/vmm/x86guest/layout.py,
fastpath.py, pagetable.py are used as they are, not copied).
Knows CPUs and memory, not Linux. Travels inside bundles: Python 3.9.
"""
import ctypes
import os
import platform
import struct
import sys

from lxpack.runtime import pkgdata
from lxpack.runtime.vmm import base
from lxpack.runtime.vmm.hvf import _hv as H
from lxpack.runtime.vmm.x86guest import layout as L

_FACTS = None


def probe():
    double = H.double_requested()
    if not double and platform.machine() != "x86_64":
        return False, "Hypervisor.framework runs only arm64 guests on Apple silicon (x86-64 programs: unicorn)"
    if double and not os.path.exists("/dev/kvm"):
        return False, "the Hypervisor.framework test double needs /dev/kvm"
    try:
        api = H.load()
    except OSError as e:
        return False, "Hypervisor.framework cannot be loaded: %s" % e
    r = api.hv_vm_create(H.HV_VM_DEFAULT)
    if r == H.HV_BUSY:          # this process already has its VM
        return True, api.name
    if r != H.HV_SUCCESS:
        why = {H.HV_DENIED: "the interpreter lacks the com.apple.security.hypervisor entitlement",
               H.HV_UNSUPPORTED: "this Mac has no VT-x for the framework",
               H.HV_NO_DEVICE: "no hypervisor device (running inside a VM without nested VT-x?)"}
        return False, "hv_vm_create: %s" % why.get(r, H.RETURN_NAMES.get(r, "%#x" % r))
    api.hv_vm_destroy()
    return True, api.name + (" (x86-64 under VT-x)" if not double else "")


def tsc_hz_of_host():
    """The host TSC frequency in Hz (macOS: sysctl machdep.tsc.frequency)."""
    if sys.platform == "darwin":
        libc = ctypes.CDLL("/usr/lib/libSystem.B.dylib")
        val = ctypes.c_uint64(0)
        size = ctypes.c_size_t(8)
        # SAFETY: val/size are live ctypes objects of the sizes given.
        if libc.sysctlbyname(b"machdep.tsc.frequency", ctypes.byref(val), ctypes.byref(size), None, 0) == 0:
            return val.value
        return 0
    return H.load().tsc_hz()


class HvfBackend(base.Backend):
    name = "hvf"
    parallel = True                      # one vCPU per guest thread, thread-bound
    timepage_address = L.TIMEPAGE_VA     # a pvclock record the runtime writes from TSC calibration

    def __init__(self):
        self.api = H.load()
        self.needs_kick_signal = self.api.needs_kick_signal
        self.guest_code = None
        self.cpl3_syscall = False        # a KVM host quirk (the double may run on one), found at run time
        self.cpl_checked = False
        self._caps = {}
        self.has_fsgsbase = False
        self._tsc_hz = None
        self.session = None              # the process's one framework VM (vm.Session)

    def create_vm(self):
        from lxpack.runtime.vmm.hvf.vm import HvfVm
        if self.guest_code is None:
            from lxpack.runtime.vmm.hvf import _cpu
            self.guest_code = pkgdata.get_data("lxpack.unikernel.guest", "entry.bin")
            # CR4.FSGSBASE (WRFSBASE at CPL 3: arch_prctl(SET_FS) served in the VM)
            # where the CPU has it and the framework lets CR4 have it.
            self.has_fsgsbase = bool(_cpu.cpuid(7, 0)[1] & 1) and \
                bool(self.cap(H.HV_VMX_CAP_CR4_FIXED1, 0) & L.CR4_FSGSBASE)
        return HvfVm(self)

    def set_kick_signal(self, sig):
        self.api.set_kick_signal(sig)

    def cap(self, field, default=None):
        """A VMX capability (default: when this macOS does not know it)."""
        if field not in self._caps:
            v = ctypes.c_uint64(0)
            r = self.api.hv_vmx_read_capability(field, ctypes.byref(v))
            if r != H.HV_SUCCESS:
                if default is None:
                    raise H.HvError("hv_vmx_read_capability(%d)" % field, r)
                return default
            self._caps[field] = v.value
        return self._caps[field]

    def tsc_hz(self):
        if self._tsc_hz is None:
            self._tsc_hz = tsc_hz_of_host()
        return self._tsc_hz

    # -- CPUID as the guest sees it (VMX exits on every CPUID) ----------------------------------
    def guest_cpuid(self, leaf, sub, vcpu_index, cr4):
        from lxpack.runtime.vmm.hvf import _cpu
        a, b, c, d = _cpu.cpuid(leaf, sub)
        if leaf == 1:
            b = (b & 0x00FFFFFF) | (vcpu_index << 24)
            c &= ~(1 << 5)                                   # no VMX inside
            c |= 1 << 31                                     # a hypervisor is present
            c = (c | 1 << 27) if cr4 & L.CR4_OSXSAVE else (c & ~(1 << 27))
        elif leaf == 7 and sub == 0 and not self.has_fsgsbase:
            b &= ~1
        elif leaf == 0x40000000:
            a, b, c, d = 0, 0, 0, 0
        return a, b, c, d

    def cpu_facts(self):
        global _FACTS
        if _FACTS is None:
            from lxpack.runtime.vmm.hvf import _cpu
            _, b, c, d = _cpu.cpuid(0)
            vendor = struct.pack("<III", b, d, c).decode("ascii", "replace")
            _, _, ecx1, edx1 = _cpu.cpuid(1)
            ebx7 = _cpu.cpuid(7, 0)[1] if _cpu.cpuid(0)[0] >= 7 else 0
            model = ""
            if _cpu.cpuid(0x80000000)[0] >= 0x80000004:
                model = "".join(struct.pack("<IIII", *_cpu.cpuid(0x80000002 + i)).decode("ascii", "replace")
                                for i in range(3)).strip("\0 ")
            ecx1 = (ecx1 & ~(1 << 5)) | (1 << 31)
            flags = base.cpuinfo_flags(edx1, ecx1, ebx7)
            _FACTS = dict(hwcap=edx1, hwcap2=0, vendor=vendor, model_name=model or "x86-64 (hvf)",
                          flags=" ".join(flags))
        return _FACTS
