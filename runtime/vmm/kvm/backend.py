"""The kvm backend: Linux programs at native speed in a KVM virtual machine.

Owns: probing /dev/kvm (for `lxpack doctor` and `auto`; what the probe
opened is kept for this process's first VM), the backend object
boot gets from the registry (KvmBackend: what KVM offers this host's guests,
CPUID and the CPU facts from it, host quirks found at run time), and the
host signal that kicks a vCPU. The VM is vm.py's KvmVm, its vCPUs vcpu.py's
KvmVcpu, its in-VM assistance assist.py's KvmAssist, the system calls the
guest code serves fastpath.py's table, the guest layout layout.py's.
Knows CPUs and memory, not Linux. Travels inside bundles: Python 3.9.
"""
import os
import struct

from lxpack.runtime import pkgdata
from lxpack.runtime.vmm import base
from lxpack.runtime.vmm.kvm import _abi as K
from lxpack.runtime.vmm.x86guest import layout as L
from lxpack.runtime.vmm.kvm import vcpu as _vcpu
from lxpack.runtime.vmm.kvm.vm import KvmVm

_FACTS = None                  # cpu_facts() of this host's KVM, found once per process


# What probe() opened to decide, kept for the backend object that follows
# it in this process (registry.get probes, then constructs): /dev/kvm and an
# empty VM, taken over by cpu_facts() and the first KvmVm instead of being
# opened again (opening /dev/kvm and KVM_CREATE_VM twice more per start).
_probed = {}


def probe():
    try:
        fd = os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC)
    except OSError as e:
        return False, "/dev/kvm cannot be opened: %s" % e.strerror
    vm = None
    try:
        v = K.ioctl(fd, K.KVM_GET_API_VERSION)
        if v != 12:
            return False, "unexpected KVM API version %d" % v
        vm = K.ioctl(fd, K.KVM_CREATE_VM, 0)
    except OSError as e:
        return False, "KVM does not work here: %s" % e
    finally:
        if vm is None:
            os.close(fd)
    _forget_probed()
    _probed["pid"] = os.getpid()
    _probed["kvm"] = fd
    _probed["vm"] = vm
    return True, "KVM (native x86-64 in a virtual machine)"


def _forget_probed():
    for key in ("kvm", "vm"):
        fd = _probed.pop(key, None)
        if fd is not None:
            try:
                os.close(fd)
            except OSError:
                pass


def take_probed():
    """(kvm fd, empty VM fd) the probe left in this process, or (None, None);
    the caller owns them. A forked child never takes its parent's VM (a KVM
    VM belongs to the process that created it)."""
    if _probed.get("pid") != os.getpid():
        _probed.clear()
        return None, None
    return _probed.pop("kvm", None), _probed.pop("vm", None)


class KvmBackend(base.Backend):
    name = "kvm"
    parallel = True            # each guest thread runs on its own vCPU concurrently
    timepage_address = L.TIMEPAGE_VA    # the vDSO reads kvmclock here (patched in by boot)
    needs_kick_signal = True   # KVM_RUN on another host thread ends with EINTR (vcpu.KvmVcpu.kick)

    def __init__(self):
        self.guest_code = None
        self._cpuid = None
        self.cpl3_syscall = False      # SYSCALL keeps CPL 3 on this host (see layout.py)
        self.cpl_checked = False
        self.has_fsgsbase = False      # CPUID.7.EBX[0]: CR4.FSGSBASE, so arch_prctl(SET_FS) stays in the VM

    def create_vm(self):
        if self.guest_code is None:
            self.guest_code = pkgdata.get_data("lxpack.unikernel.guest", "entry.bin")
        return KvmVm(self)

    def supported_cpuid(self, kvm_fd):
        if self._cpuid is None:
            n = 256
            T = K.cpuid2_type(n)
            c = T()
            c.nent = n
            K.ioctl(kvm_fd, K.KVM_GET_SUPPORTED_CPUID, c)
            self._cpuid = [(e.function, e.index, e.flags, e.eax, e.ebx, e.ecx, e.edx) for e in c.entries[:c.nent]]
            leaf = {(f, i): (a, b, cc, d) for f, i, _fl, a, b, cc, d in self._cpuid}
            self.has_fsgsbase = bool(leaf.get((7, 0), (0, 0, 0, 0))[1] & 1)
        return self._cpuid

    def set_kick_signal(self, sig):
        _vcpu.set_kick_signal(sig)

    def cpu_facts(self):
        global _FACTS
        if _FACTS is None:
            _FACTS = self._cpu_facts()
        return _FACTS

    def _cpu_facts(self):
        fd = _probed.get("kvm") if _probed.get("pid") == os.getpid() else None
        if fd is not None:
            ents = self.supported_cpuid(fd)
        else:
            fd = os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC)
            try:
                ents = self.supported_cpuid(fd)
            finally:
                os.close(fd)
        leaf = {(f, i): (a, b, c, d) for f, i, _fl, a, b, c, d in ents}
        _, b, c, d = leaf.get((0, 0), (0, 0, 0, 0))
        vendor = struct.pack("<III", b, d, c).decode("ascii", "replace")
        edx1 = leaf.get((1, 0), (0, 0, 0, 0))[3]
        model = ""
        try:
            model = "".join(struct.pack("<IIII", *leaf[(0x80000002 + i, 0)]).decode("ascii", "replace")
                            for i in range(3)).strip("\0 ")
        except KeyError:
            pass
        ecx1 = leaf.get((1, 0), (0, 0, 0, 0))[2]
        ebx7 = leaf.get((7, 0), (0, 0, 0, 0))[1]
        flags = base.cpuinfo_flags(edx1, ecx1, ebx7)
        return dict(hwcap=edx1, hwcap2=0, vendor=vendor, model_name=model or "KVM x86-64", flags=" ".join(flags))
