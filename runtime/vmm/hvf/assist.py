"""The hvf backend's in-VM assistance (base.InVmAssist), reached as vm.assist.

Owns: nothing of its own but the guest clock: the fast-path tables, signal
words, set_tid_address slot, sigactions and getrandom's pool are the same
guest-physical pages the same guest code reads as under kvm, so kvm's
KvmAssist serves them unchanged; the clock is the pvclock record HvfVm
writes from the TSC (no kvmclock here), read back the way the vDSO reads it.
Knows CPUs and memory, not Linux. Travels inside bundles: Python 3.9.
"""
from lxpack.runtime.vmm.kvm import assist as _kvm_assist
from lxpack.runtime.vmm.kvm.assist import KvmAssist


class HvfAssist(KvmAssist):
    def clock_ns(self, linux_clock):
        """The time the vDSO would compute now (TSC through the time page's
        scale + the same offsets), so syscall and vDSO clocks agree."""
        vm = self.vm
        offs = vm.clock_offsets
        if offs is None or linux_clock not in _kvm_assist._PAGE_CLOCKS:
            return None
        now = vm.clock_now()
        if now is None:
            return None
        return now + (offs[1] if linux_clock in _kvm_assist._REALTIME_CLOCKS else offs[0])
