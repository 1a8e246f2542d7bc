"""The hvf backend's address space over the process's one framework VM.

Owns: Session (the one Hypervisor.framework VM a process may have: created
once, re-created in a fork child, whose guest-physical map belongs to the
active address space), HvfVm (one Linux process image: its host memory
reservation mapped at guest-physical 0 in 1 GiB pieces as the allocator
reaches them, shared host mappings above, the kernel half and guest code
built as kvm builds them, the time page written from TSC calibration).
execve makes a new HvfVm before the old one is released: the new one takes
the framework VM over (the old image's maps are removed from it first).
Knows CPUs and memory, not Linux. Travels inside bundles: Python 3.9.
"""
import ctypes
import os
import struct
import threading
import time as _time

from lxpack.runtime.vmm import base
from lxpack.runtime.vmm.hvf import _cpu
from lxpack.runtime.vmm.hvf import _hv as H
from lxpack.runtime.vmm.hvf.assist import HvfAssist
from lxpack.runtime.vmm.hvf.vcpu import HvfVcpu
from lxpack.runtime.vmm.kvm import _abi as K
from lxpack.runtime.vmm.x86guest import kernel
from lxpack.runtime.vmm.x86guest import layout as L
from lxpack.runtime.vmm.x86guest.pagetable import AddressSpace, PhysAllocator

PHYS_SIZE = 64 << 30
PHYS_CHUNK = 1 << 30
SHARED_GPA_BASE = 1 << 40
_RWX = H.HV_MEMORY_READ | H.HV_MEMORY_WRITE | H.HV_MEMORY_EXEC


class Session(object):
    """The process's framework VM (one per process; a fork child makes its own)."""

    def __init__(self, api):
        self.api = api
        self.pid = os.getpid()
        H.check(api.hv_vm_create(H.HV_VM_DEFAULT), "hv_vm_create")
        self.owner = None                 # the HvfVm whose memory is mapped
        self.tsc_offset = 0               # guest TSC - host TSC (hv_vm_sync_tsc)
        t1 = _cpu.rdtsc()
        H.check(api.hv_vm_sync_tsc(t1), "hv_vm_sync_tsc")
        t2 = _cpu.rdtsc()
        # The guest TSC was set to t1 somewhere in [t1, t2]: the host's view of it is off by at most that.
        self.tsc_offset = -((t2 - t1) // 2)

    def guest_tsc(self):
        return _cpu.rdtsc() + self.tsc_offset

    @staticmethod
    def for_backend(backend):
        s = backend.session
        if s is None or s.pid != os.getpid():
            s = backend.session = Session(backend.api)
        return s


class HvfVm(base.Vm):
    """One Linux process image over the framework VM."""

    def __init__(self, backend):
        self.backend = backend
        self.api = backend.api
        self.host_base = K.mmap(PHYS_SIZE, K.PROT_READ | K.PROT_WRITE,
                                K.MAP_PRIVATE | K.MAP_ANONYMOUS | K.MAP_NORESERVE)
        self.maps = []                    # (gpa, size, host): what this image maps into the VM
        self.phys_registered = 0
        self.vcpus = []
        self.lock = threading.Lock()
        self.next_shared_gpa = SHARED_GPA_BASE
        self.session = Session.for_backend(backend)
        self._take_over()
        self._register_phys(PHYS_CHUNK)
        self.phys = PhysAllocator(self.host_base, PHYS_SIZE, grow=self._register_phys)
        self.aspace = AddressSpace(self.phys)
        self._setup_kernel()
        self.clock_offsets = None
        self.clock = None                 # (tsc_ref, mul, shift) of the time page
        self.set_clock_offsets()
        self.assist = HvfAssist(self)

    # -- the framework VM's guest-physical map -----------------------------------------------------
    def _take_over(self):
        s = self.session
        old = s.owner
        if old is not None and old is not self:
            for gpa, size, _host in old.maps:
                self.api.hv_vm_unmap(gpa, size)
        s.owner = self

    def _hv_map(self, host, gpa, size):
        H.check(self.api.hv_vm_map(ctypes.c_void_p(host), gpa, size, _RWX), "hv_vm_map")
        self.maps.append((gpa, size, host))

    def _register_phys(self, upto):
        while self.phys_registered < upto:
            gpa = self.phys_registered
            size = min(PHYS_CHUNK, PHYS_SIZE - gpa)
            self._hv_map(self.host_base + gpa, gpa, size)
            self.phys_registered = gpa + size

    def _pw(self, gpa, data):
        # SAFETY: gpa lies in this image's reserved host memory.
        ctypes.memmove(self.host_base + gpa, data, len(data))

    def _setup_kernel(self):
        """The kernel half, GDT/IDT/TSS, entry.bin: as kvm lays them out."""
        kernel.setup(self._pw, self.aspace, self.backend.guest_code, self.backend.cpl3_syscall)

    # -- the guest clock: a pvclock record from the TSC (read by the vDSO) --------------------------
    def set_clock_offsets(self):
        hz = self.backend.tsc_hz()
        if not hz:
            return
        shift = 0
        mul = (10 ** 9 << 32) // hz
        while mul >= 1 << 32:
            shift += 1
            mul = (10 ** 9 << (32 - shift)) // hz
        while mul < 1 << 31:
            shift -= 1
            mul = (10 ** 9 << (32 - shift)) // hz
        # The anchor: a TSC reading between two CLOCK_MONOTONIC readings,
        # the tightest pair of a few (one pair can be split by a preemption
        # on a loaded host: the guest clock would then be off the host's by
        # that much for the life of the VM).
        best = None
        for _ in range(5):
            t1 = _time.clock_gettime_ns(_time.CLOCK_MONOTONIC)
            tsc = self.session.guest_tsc()
            t2 = _time.clock_gettime_ns(_time.CLOCK_MONOTONIC)
            if best is None or t2 - t1 < best[0]:
                best = (t2 - t1, tsc, (t1 + t2) // 2)
        _gap, ref, mono = best
        real = _time.time_ns()
        real -= _time.clock_gettime_ns(_time.CLOCK_MONOTONIC) - mono     # CLOCK_REALTIME at the anchor
        # struct pvclock_vcpu_time_info: version, tsc_timestamp, system_time, mul, shift, flags (stable)
        self._pw(L.TIMEPAGE, struct.pack("<IIQQIbB2x", 1, 0, ref, 0, mul, shift, 1))
        self._pw(L.TIMEPAGE, struct.pack("<I", 2))
        self._pw(L.TIMEPAGE + 64, struct.pack("<Qqq", 0, mono, real))
        self._pw(L.TIMEPAGE + 64, struct.pack("<Q", 1))
        self.clock = (ref, mul, shift)
        self.clock_offsets = (mono, real)

    def clock_now(self):
        """pvclock time now (as the vDSO computes it), or None."""
        if self.clock is None:
            return None
        ref, mul, shift = self.clock
        delta = self.session.guest_tsc() - ref
        delta = delta << shift if shift >= 0 else delta >> -shift
        return (delta * mul) >> 32

    def patch_cpl3_syscall(self):
        self.backend.cpl3_syscall = True
        self._pw(L.CODE + L.SYSRET_OFFSET, b"\xff\xe1\x90")

    def read_phys(self, gpa, n):
        # SAFETY: gpa lies in this image's reserved host memory.
        return ctypes.string_at(self.host_base + gpa, n)

    def write_phys(self, gpa, data):
        self._pw(gpa, data)

    # -- memory (base.Vm) --------------------------------------------------------------------------
    def map(self, addr, size, prot):
        with self.lock:
            self.aspace.map(addr, size, prot)

    def map_host(self, addr, size, prot, host_address):
        with self.lock:
            gpa = self.next_shared_gpa
            self.next_shared_gpa += (size + 0x1FFFFF) & ~0x1FFFFF
            self._hv_map(host_address, gpa, size)
            self.aspace.map(addr, size, prot, gpa=gpa, host_addr=host_address)

    def unmap(self, addr, size):
        with self.lock:
            self.aspace.unmap(addr, size)

    def protect(self, addr, size, prot):
        with self.lock:
            self.aspace.protect(addr, size, prot)

    def read(self, addr, size):
        return self.aspace.read(addr, size)

    def write(self, addr, data):
        self.aspace.write(addr, data)

    def new_vcpu(self):
        v = HvfVcpu(self, len(self.vcpus))
        self.vcpus.append(v)
        return v

    def close(self):
        """The image is gone (execve): its vCPUs of this thread and, if it
        still owns the framework VM, its maps."""
        for v in self.vcpus:
            v.destroy()
        s = self.session
        if s.owner is self and s.pid == os.getpid():
            for gpa, size, _host in self.maps:
                self.api.hv_vm_unmap(gpa, size)
            s.owner = None
        self.maps = []
        K._libc.munmap(self.host_base, PHYS_SIZE)
        self.host_base = 0

    # -- fork: the child has no framework VM -------------------------------------------------------
    def before_fork(self):
        self._fork_states = [v.export_state() for v in self.vcpus]

    def after_fork_child(self):
        maps = self.maps
        self.maps = []
        self.backend.session = None
        self.session = Session.for_backend(self.backend)
        self.session.owner = self
        for gpa, size, host in maps:
            self._hv_map(host, gpa, size)
        self._pw(L.FASTCOUNT, b"\0" * 4096)
        for v, st in zip(self.vcpus, self._fork_states):
            v.recreate(st)
        self.set_clock_offsets()
