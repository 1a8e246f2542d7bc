"""The Hypervisor.framework test double (runtime/vmm/hvf/double.py) refuses
what the real framework refuses, and fails a bad VM entry the way VT-x does.

Each test drives the double's C-API surface directly (fresh API object per
test: the one-VM-per-process rule holds per API object, and _hv.load()
gives a process one), with a real guest where a run is needed: the hvf
backend's own vCPU set-up over a tiny user-mode code page.
"""
import ctypes
import os
import threading

import pytest

pytestmark = pytest.mark.kvm

if not os.path.exists("/dev/kvm"):
    pytest.skip("the double runs on KVM: no /dev/kvm here", allow_module_level=True)

from lxpack.runtime.vmm.hvf import _hv as H          # noqa: E402
from lxpack.runtime.vmm.hvf import double             # noqa: E402
from lxpack.runtime.vmm.kvm import _abi as K          # noqa: E402

RWX = H.HV_MEMORY_READ | H.HV_MEMORY_WRITE | H.HV_MEMORY_EXEC


@pytest.fixture
def api():
    a = double.KvmDoubleApi()
    a._spurious = 0.0
    yield a
    vm = a._cur()
    if vm is not None:
        for v in list(vm.vcpus.values()):
            if v.owner == threading.get_ident():
                a.hv_vcpu_destroy(v.vid)
        vm.vcpus.clear()
        a.hv_vm_destroy()


@pytest.fixture
def mem():
    addr = K.mmap(1 << 21, K.PROT_READ | K.PROT_WRITE, K.MAP_PRIVATE | K.MAP_ANONYMOUS)
    yield addr
    K._libc.munmap(addr, 1 << 21)


def test_one_vm_per_process(api):
    assert api.hv_vm_create(0) == H.HV_SUCCESS
    assert api.hv_vm_create(0) == H.HV_BUSY


def test_fork_child_has_no_vm_and_may_create_its_own(api, mem):
    assert api.hv_vm_create(0) == H.HV_SUCCESS
    pid = os.fork()
    if pid == 0:
        ok = api.hv_vm_map(mem, 0, 4096, RWX) == H.HV_NO_DEVICE and api.hv_vm_create(0) == H.HV_SUCCESS and \
            api.hv_vm_map(mem, 0, 4096, RWX) == H.HV_SUCCESS
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    assert api.hv_vm_map(mem, 0, 4096, RWX) == H.HV_SUCCESS     # the parent's VM is untouched


@pytest.mark.parametrize("uva_off,gpa,size", [(8, 0, 4096), (0, 0x10, 4096), (0, 0, 4097), (0, 0, 0)],
                         ids=["host-address", "guest-address", "size", "empty"])
def test_map_needs_page_alignment(api, mem, uva_off, gpa, size):
    api.hv_vm_create(0)
    assert api.hv_vm_map(mem + uva_off, gpa, size, RWX) == H.HV_BAD_ARGUMENT


def test_maps_may_not_overlap(api, mem):
    api.hv_vm_create(0)
    assert api.hv_vm_map(mem, 0x10000, 0x4000, RWX) == H.HV_SUCCESS
    assert api.hv_vm_map(mem + 0x8000, 0x13000, 0x2000, RWX) == H.HV_BAD_ARGUMENT
    assert api.hv_vm_map(mem + 0x8000, 0xF000, 0x2000, RWX) == H.HV_BAD_ARGUMENT
    assert api.hv_vm_map(mem + 0x8000, 0x14000, 0x2000, RWX) == H.HV_SUCCESS      # adjacent is fine
    assert api.hv_vm_unmap(0x10000, 0x4000) == H.HV_SUCCESS
    assert api.hv_vm_map(mem + 0x10000, 0x12000, 0x1000, RWX) == H.HV_SUCCESS


def test_vcpu_belongs_to_its_thread(api):
    api.hv_vm_create(0)
    vid = ctypes.c_uint32()
    assert api.hv_vcpu_create(ctypes.byref(vid), 0) == H.HV_SUCCESS
    out = {}

    def other():
        val = ctypes.c_uint64()
        out["read"] = api.hv_vcpu_read_register(vid.value, H.HV_X86_RAX, ctypes.byref(val))
        out["write"] = api.hv_vmx_vcpu_write_vmcs(vid.value, H.VMCS_GUEST_RIP, 0)
        out["run"] = api.hv_vcpu_run_until(vid.value, H.HV_DEADLINE_FOREVER)
        out["interrupt"] = api.hv_vcpu_interrupt(ctypes.byref(vid), 1)     # allowed from any thread
    t = threading.Thread(target=other)
    t.start()
    t.join()
    assert out == {"read": H.HV_BAD_ARGUMENT, "write": H.HV_BAD_ARGUMENT, "run": H.HV_BAD_ARGUMENT,
                   "interrupt": H.HV_SUCCESS}
    val = ctypes.c_uint64()
    assert api.hv_vcpu_read_register(vid.value, H.HV_X86_RAX, ctypes.byref(val)) == H.HV_SUCCESS


def test_capabilities_are_must_and_may_masks(api):
    for cap in (H.HV_VMX_CAP_PINBASED, H.HV_VMX_CAP_PROCBASED, H.HV_VMX_CAP_ENTRY, H.HV_VMX_CAP_EXIT):
        v = ctypes.c_uint64()
        assert api.hv_vmx_read_capability(cap, ctypes.byref(v)) == H.HV_SUCCESS
        must, may = v.value & 0xFFFFFFFF, v.value >> 32
        assert must & ~may == 0
    assert api.hv_vmx_read_capability(99, ctypes.byref(ctypes.c_uint64())) == H.HV_BAD_ARGUMENT


# ---- runs: a user-mode code page under the hvf backend's own CPU set-up ---------------------------

CODE_VA = 0x400000


@pytest.fixture
def guest(api, monkeypatch):
    """(vcpu, api): the backend's VM and vCPU over this API object, RIP at
    CODE_VA holding `out 0x10, al; out 0x10, al; jmp $`."""
    monkeypatch.setattr(H, "_API", api)
    from lxpack.runtime.vmm.hvf.backend import HvfBackend
    be = HvfBackend()
    vm = be.create_vm()
    vm.map(CODE_VA, 4096, 7)
    vm.write(CODE_VA, b"\xe6\x10\xe6\x10\xeb\xfe")
    v = vm.new_vcpu()
    v._create_hv()
    v.set_regs({"rip": CODE_VA, "rsp": 0, "rflags": 2})
    v._flush()
    v._push()
    yield v, api
    v.destroy()
    vm.close()
    api._vm.vcpus.clear()


def _run(v, api):
    v._flush()
    v._push()
    assert api.hv_vcpu_run_until(v.vid, H.HV_DEADLINE_FOREVER) == H.HV_SUCCESS
    return v._r(H.VMCS_EXIT_REASON), v._r(H.VMCS_EXIT_QUALIFICATION), v._r(H.VMCS_EXIT_INSTRUCTION_LENGTH), \
        v._rreg(H.HV_X86_RIP)


def test_io_exit_leaves_rip_on_the_instruction(guest):
    v, api = guest
    reason, qual, length, rip = _run(v, api)
    assert (reason, H.io_port(qual), qual & H.IO_QUAL_IN, qual & 7, length, rip) == \
        (H.EXIT_REASON_INOUT, 0x10, 0, 0, 2, CODE_VA)
    # Not advanced by the VMM: the same `out` runs and exits again.
    assert _run(v, api)[3] == CODE_VA
    v.regs.rip = CODE_VA + length
    v.regs_dirty = True
    assert _run(v, api)[0::3] == (H.EXIT_REASON_INOUT, CODE_VA + 2)


def test_forbidden_control_bit_fails_the_entry(guest):
    v, api = guest
    proc = v._r(H.VMCS_PRI_PROC_BASED_CTLS)
    v._w(H.VMCS_PRI_PROC_BASED_CTLS, proc | 1)          # bit 0: reserved, may not be 1
    reason = _run(v, api)[0]
    assert reason & H.EXIT_REASON_ENTRY_FAIL and reason & 0xFFFF == H.EXIT_REASON_INVAL_VMCS
    v._w(H.VMCS_PRI_PROC_BASED_CTLS, proc & ~H.PROC_UNCOND_IO_EXITING & ~0x2)  # a must-be-1 bit cleared
    assert _run(v, api)[0] & H.EXIT_REASON_ENTRY_FAIL


def test_cr4_without_vmxe_fails_the_entry(guest):
    v, api = guest
    v._w(H.VMCS_GUEST_CR4, v._r(H.VMCS_GUEST_CR4) & ~H.CR4_VMXE)
    reason = _run(v, api)[0]
    assert reason == H.EXIT_REASON_ENTRY_FAIL | H.EXIT_REASON_INVAL_VMCS


def test_long_mode_needs_ia32e_entry_control(guest):
    v, api = guest
    v._w(H.VMCS_ENTRY_CTLS, v._r(H.VMCS_ENTRY_CTLS) & ~H.ENTRY_IA32E_MODE_GUEST)
    assert _run(v, api)[0] & H.EXIT_REASON_ENTRY_FAIL


def test_syscall_msrs_must_be_native(guest):
    v, api = guest
    assert api.hv_vcpu_enable_native_msr(v.vid, K.MSR_LSTAR, False) == H.HV_SUCCESS
    assert _run(v, api)[0] == H.EXIT_REASON_ENTRY_FAIL | H.EXIT_REASON_INVAL_MSR


def test_interrupt_and_spurious_exits_do_not_run_the_guest(guest):
    v, api = guest
    vid = ctypes.c_uint32(v.vid)
    assert api.hv_vcpu_interrupt(ctypes.byref(vid), 1) == H.HV_SUCCESS
    assert _run(v, api)[0::3] == (H.EXIT_REASON_EXT_INTR, CODE_VA)
    api._spurious = 1.0
    assert _run(v, api)[0::3] == (H.EXIT_REASON_EXT_INTR, CODE_VA)
    api._spurious = 0.0
    assert _run(v, api)[0] == H.EXIT_REASON_INOUT
