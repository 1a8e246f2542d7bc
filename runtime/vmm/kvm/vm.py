"""The kvm backend's address space: one KVM virtual machine per Linux process.

Owns: the VM's file descriptors, guest-physical memory (slot 0 reserved
lazily, shared host mappings in slots of their own), the kernel half of the
page tables, GDT, IDT, TSSs and the guest entry code (layout.py), the
kvmclock offsets of the time page, and rebuilding the VM in a forked child.
Its in-VM assistance (fast-path tables, signal words, random pool, clock)
is assist.py's KvmAssist, reached as vm.assist; its vCPUs are vcpu.py's.
Knows CPUs and memory, not Linux. Travels inside bundles: Python 3.9.
"""
import ctypes
import os
import struct
import threading

from lxpack.runtime.host import fds
from lxpack.runtime.vmm import base
from lxpack.runtime.vmm.kvm import _abi as K
from lxpack.runtime.vmm.x86guest import kernel
from lxpack.runtime.vmm.x86guest import layout as L
from lxpack.runtime.vmm.kvm.assist import KvmAssist
from lxpack.runtime.vmm.x86guest.pagetable import AddressSpace, PhysAllocator
from lxpack.runtime.vmm.kvm.vcpu import KvmVcpu

PHYS_SIZE = 64 << 30          # guest-physical window of slot 0 (host memory reserved lazily)
PHYS_CHUNK = 1 << 30          # ... registered with KVM this much at a time (_register_phys)
SHARED_GPA_BASE = 1 << 40     # where shared host mappings get their own slots
# An execve leaves the old image's host-mapping slots in the VM, unreachable
# (the new page tables never point at their guest-physical addresses, and
# the host memory behind them is unmapped, which drops KVM's entries): each
# slot change waits for an SRCU grace period (~0.05 ms idle, 3-5 ms on a
# busy host), and a fork child registers only the live ones. Deleted in one
# go once this many have piled up.
STALE_SLOTS_MAX = 64


class KvmVm(base.Vm):
    """One KVM VM: the address space of one Linux process and its vCPUs."""

    maps_private_files = True     # map_host takes host MAP_PRIVATE file mappings (a slot over them)

    def __init__(self, backend):
        self.backend = backend
        from lxpack.runtime.vmm.kvm.backend import take_probed
        self.kvm, self.fd = take_probed()          # the backend probe's, once per process
        if self.kvm is None:
            self.kvm = os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC)
        if self.fd is None:
            self.fd = K.ioctl(self.kvm, K.KVM_CREATE_VM, 0)
        self._move_fds_high()
        self.run_size = K.ioctl(self.kvm, K.KVM_GET_VCPU_MMAP_SIZE)
        self.host_base = K.mmap(PHYS_SIZE, K.PROT_READ | K.PROT_WRITE,
                                K.MAP_PRIVATE | K.MAP_ANONYMOUS | K.MAP_NORESERVE)
        self.slots = []                   # (slot, gpa, size, host): what a forked child registers again
        self.free_slot_ids = []           # ids of deleted slots (map_host memory unmapped), reused first
        self.next_slot_id = 0             # the lowest id never used in this VM
        self.stale_slots = []             # map_host slots an execve left behind (STALE_SLOTS_MAX)
        self.phys_registered = 0          # slot-0 memory is given to KVM in PHYS_CHUNK steps
        self._register_phys(PHYS_CHUNK)
        self.phys = PhysAllocator(self.host_base, PHYS_SIZE, grow=self._register_phys)
        self.aspace = AddressSpace(self.phys)
        self.next_shared_gpa = SHARED_GPA_BASE
        self.vcpus = []
        self.lock = threading.Lock()
        self._setup_kernel()
        self.clock_offsets = None         # (monotonic, realtime) - kvmclock, once known
        self.set_clock_offsets()
        self.assist = KvmAssist(self)

    def _move_fds_high(self):
        for name in ("kvm", "fd"):
            setattr(self, name, fds.move_high(getattr(self, name), fds.OFFSET_VMM))

    def _register_phys(self, upto):
        """Make guest-physical memory up to `upto` known to KVM. Registering
        the whole 64 GiB window at once costs ~15 ms (and ~8 ms to tear
        down) on this kind of host, in every process, forked child and
        exec; most programs use well under one chunk."""
        while self.phys_registered < upto:
            gpa = self.phys_registered
            size = min(PHYS_CHUNK, PHYS_SIZE - gpa)
            self._add_slot(gpa, size, self.host_base + gpa)
            self.phys_registered = gpa + size

    def _add_slot(self, gpa, size, host):
        if self.free_slot_ids:
            slot = self.free_slot_ids.pop()
        else:
            slot = self.next_slot_id
            self.next_slot_id += 1
        self._set_slot(slot, gpa, size, host)
        self.slots.append((slot, gpa, size, host))

    def _drop_slots_at(self, gpas):
        """Delete the map_host slots holding these guest-physical addresses
        once no range maps them (else the slot would keep pointing at host
        memory the caller is about to unmap, and slot ids would run out)."""
        for gpa in gpas:
            for i, (slot, sgpa, size, host) in enumerate(self.slots):
                if sgpa >= SHARED_GPA_BASE and sgpa <= gpa < sgpa + size:
                    if not self.aspace.uses_gpa(sgpa, sgpa + size):
                        self._set_slot(slot, sgpa, 0, host)      # size 0: delete
                        del self.slots[i]
                        self.free_slot_ids.append(slot)
                    break

    def _set_slot(self, slot, gpa, size, host):
        r = K.KvmUserspaceMemoryRegion(slot=slot, flags=0, guest_phys_addr=gpa, memory_size=size,
                                       userspace_addr=host)
        K.ioctl(self.fd, K.KVM_SET_USER_MEMORY_REGION, r)

    def _pw(self, gpa, data):
        # SAFETY: gpa lies in slot 0's reserved host memory.
        ctypes.memmove(self.host_base + gpa, data, len(data))

    def _setup_kernel(self):
        kernel.setup(self._pw, self.aspace, self.backend.guest_code, self.backend.cpl3_syscall)

    # -- time for the vDSO -------------------------------------------------------------------
    def set_clock_offsets(self):
        """kvmclock (which KVM writes into the time page for vCPU 0) counts
        from VM creation; store the offsets that make it CLOCK_MONOTONIC and
        CLOCK_REALTIME, then mark the page valid for the vDSO."""
        import time as _time
        c = K.KvmClockData()
        try:
            t1 = _time.clock_gettime_ns(_time.CLOCK_MONOTONIC)
            K.ioctl(self.fd, K.KVM_GET_CLOCK, c)
            t2 = _time.clock_gettime_ns(_time.CLOCK_MONOTONIC)
        except OSError:
            return
        mono = (t1 + t2) // 2 - c.clock
        if c.flags & K.KVM_CLOCK_REALTIME:
            real = c.realtime - c.clock
        else:
            real = _time.time_ns() - (t2 - mono)
        self._pw(L.TIMEPAGE + 64, struct.pack("<Qqq", 0, mono, real))
        self._pw(L.TIMEPAGE + 64, struct.pack("<Q", 1))
        self.clock_offsets = (mono, real)

    def patch_cpl3_syscall(self):
        """SYSCALL left CPL at 3 here: return with `jmp rcx` instead of sysretq."""
        self.backend.cpl3_syscall = True
        self._pw(L.CODE + L.SYSRET_OFFSET, b"\xff\xe1\x90")

    # -- guest-physical access (the fast path's undo rules, KvmAssist) ------------------------
    def read_phys(self, gpa, n):
        # SAFETY: gpa lies in slot 0's reserved host memory.
        return ctypes.string_at(self.host_base + gpa, n)

    def write_phys(self, gpa, data):
        self._pw(gpa, data)

    # -- memory (base.Vm) ----------------------------------------------------------------------
    def map(self, addr, size, prot):
        with self.lock:
            self.aspace.map(addr, size, prot)

    def map_host(self, addr, size, prot, host_address):
        with self.lock:
            gpa = self.next_shared_gpa
            self.next_shared_gpa += (size + 0x1FFFFF) & ~0x1FFFFF
            self._add_slot(gpa, size, host_address)
            self.aspace.map(addr, size, prot, gpa=gpa, host_addr=host_address)

    def unmap(self, addr, size):
        with self.lock:
            foreign = self.aspace.unmap(addr, size)
            if foreign:
                self._drop_slots_at(foreign)

    def protect(self, addr, size, prot):
        with self.lock:
            self.aspace.protect(addr, size, prot)

    def read(self, addr, size):
        return self.aspace.read(addr, size)

    def write(self, addr, data):
        self.aspace.write(addr, data)

    def close(self):
        """Release the VM (after execve replaced the image)."""
        for v in self.vcpus:
            try:
                os.close(v.fd)
            except OSError:
                pass
        for fd in (self.fd, self.kvm):
            try:
                os.close(fd)
            except OSError:
                pass
        K._libc.munmap(self.host_base, PHYS_SIZE)
        self.host_base = 0

    def reset(self):
        """execve in a single-threaded process keeps the VM (KVM_CREATE_VM,
        the slots and a vCPU cost ~1-3 ms here, and the old VM's teardown
        more): slot-0 memory is zeroed (MADV_DONTNEED) but for the time
        page KVM keeps writing, the shared slots are left in place unreachable
        (STALE_SLOTS_MAX: deleting each costs an SRCU grace period), the kernel
        half and a new address space are rebuilt and the vCPU starts anew."""
        if len(self.vcpus) != 1:
            return False
        keep = [s for s in self.slots if s[1] < SHARED_GPA_BASE]
        if [s[0] for s in keep] != list(range(len(keep))):
            return False          # slot numbers interleaved: left to a new VM
        try:
            self.vcpus[0].reset_for_exec()
        except OSError:
            return False
        with self.lock:
            shared = [s for s in self.slots if s[1] >= SHARED_GPA_BASE]
            if len(self.stale_slots) + len(shared) <= STALE_SLOTS_MAX:
                self.stale_slots.extend(shared)           # left in place (their ids and addresses stay taken)
            else:
                for slot, gpa, _size, host in self.stale_slots + shared:
                    self._set_slot(slot, gpa, 0, host)       # memory_size 0 deletes the slot
                self.stale_slots = []
                self.free_slot_ids = []                   # ids 0..len(keep)-1 in use, the rest unused
                self.next_slot_id = len(keep)
                self.next_shared_gpa = SHARED_GPA_BASE
            self.slots = keep
            clock = self.read_phys(L.TIMEPAGE, 0x1000)
            K.madvise_dontneed(self.host_base, self.phys.bump)
            self._pw(L.TIMEPAGE, clock)
            self.phys = PhysAllocator(self.host_base, PHYS_SIZE, grow=self._register_phys)
            self.aspace = AddressSpace(self.phys)
            self.assist.forget_address_space()
            self._setup_kernel()
            self._pw(L.FASTCOUNT, b"\0" * 4096)          # zero already; --stats counts from here
            self.aspace.dirty = True                      # the vCPU's TLB goes with the old tables
        return True

    def new_vcpu(self):
        v = KvmVcpu(self, len(self.vcpus))
        self.vcpus.append(v)
        return v

    # -- fork ----------------------------------------------------------------------------------
    def before_fork(self):
        """In the parent, just before the host fork: the vCPU state the child
        needs (KVM objects cannot be used from the child)."""
        self._fork_states = [v.export_state() for v in self.vcpus]

    def after_fork_child(self):
        """KVM objects belong to the parent; rebuild them over our (copy-on-
        write) memory and move the vCPU state across."""
        states = self._fork_states
        try:
            os.close(self.fd)
        except OSError:
            pass
        # The /dev/kvm descriptor is not tied to a process (a VM is, to the
        # one that created it): the inherited one creates the child's VM.
        self.fd = fds.move_high(K.ioctl(self.kvm, K.KVM_CREATE_VM, 0), fds.OFFSET_VMM)
        for slot, gpa, size, host in self.slots:
            self._set_slot(slot, gpa, size, host)
        self.stale_slots = []                     # the parent's; this VM never had them
        self._pw(L.TIMEPAGE, b"\0" * 96)          # a new kvmclock: stale until rewritten
        self._pw(L.FASTCOUNT, b"\0" * 4096)       # --stats counts this process's calls only
        for v, st in zip(self.vcpus, states):
            v.recreate(st)
        self.set_clock_offsets()

