"""In-VM service on hardware backends: which system calls the guest code
answers without leaving the VM (per-process constants; while the process has
one thread also set_tid_address, getrandom from a pool of host bytes,
sched_yield, rt_sigprocmask on a mask kept in guest memory, rt_sigaction
queries, brk growth and anonymous mmap/munmap), and the signal words the guest code checks at
every entry.

Owns: FastPaths, a part of Kernel (kernel.py composes it). The tables are
keyed by NR_<name> (lxpack.abi.syscalls_x86_64).
Travels inside bundles: Python 3.9.
"""
from lxpack.abi.syscalls_x86_64 import (NR_arch_prctl, NR_brk, NR_getcpu, NR_getegid, NR_geteuid, NR_getgid, NR_getpid,
                                        NR_getrandom, NR_getuid, NR_gettid, NR_mmap, NR_munmap, NR_rseq,
                                        NR_rt_sigaction, NR_rt_sigprocmask, NR_sched_yield, NR_set_tid_address)
from lxpack.unikernel.errors import ENOSYS
from lxpack.unikernel.kernel import signals as S


class FastPaths(object):
    """Kernel methods that keep a hardware backend's in-VM tables current."""

    def set_fast_paths(self, t):
        """Tell a hardware backend's guest code which syscalls it may answer
        itself (results that are constant for this process). Not with
        --strace, which must see every call. Also use the backend's clock
        (kvmclock) for time syscalls, so they agree with its vDSO."""
        assist = t.vcpu.vm.assist                # the backend's in-VM assistance (None: none)
        self.host.upcalls.clock_override = assist.clock_ns if assist is not None else None
        if assist is None:
            return
        tidptr = assist.take_tid_address()       # set_tid_address served in the VM so far
        if tidptr is not None:
            t.clear_child_tid = tidptr
        t.signals.bind_mask(None)
        self.fast_sigmask = False
        if self.sched is None:
            self.dispatcher.guest_enter = None
        if self.config.strace is not None or self.sched is not None or self.tracee is not None:
            t.mem.bind_brk(None)               # the break back in the unikernel before a second vCPU
            t.mem.bind_mmap(None)              # and the mappings made in the VM (no TLB shootdown yet)
        if self.config.strace is not None or self.tracee is not None:
            assist.set_fast_syscalls({})       # a tracer stops at every call
            return
        h = self.host
        vals = {NR_getpid: t.process.pid, NR_getuid: h.getuid(), NR_geteuid: h.geteuid(), NR_getgid: h.getgid(),
                NR_getegid: h.getegid(), NR_rseq: -ENOSYS.errno}
        # Served by the guest code: arch_prctl(ARCH_SET_FS), getcpu; while
        # the process has one thread also set_tid_address, getrandom (they
        # use one scratch area / tid slot; getrandom hands out a pool of host
        # random bytes, refilled here, so a fork child gets its own) and
        # sched_yield (nothing in the process to yield to; its host thread
        # is preempted like any other).
        # rt_sigprocmask too, on a mask kept in guest memory (SignalState.
        # bind_mask), leaving the VM when it unblocks a pending signal or
        # changes one the host must mirror (_fast_signal_words), and
        # rt_sigaction queries from a copy of the actions kept current there.
        served = [NR_arch_prctl, NR_getcpu]
        if self.sched is None:
            vals[NR_gettid] = vals[NR_set_tid_address] = t.tid
            vals[NR_sched_yield] = 0
            served += [NR_set_tid_address, NR_getrandom, NR_rt_sigprocmask, NR_rt_sigaction]
            # brk grows the break in guest memory inside a window of pages the
            # kernel's Mm prepared (kernel/mm.py, bind_brk); shrinking and
            # growing past the window leave the VM.
            t.mem.bind_brk(assist)
            if assist.brk_cell() is not None:
                served.append(NR_brk)
            # Anonymous private mmap (no hint) top-down in a window of
            # prepared pages, and munmap of the last of those mappings when
            # its pages need no TLB invalidation (or ring 0 is cheap): Mm
            # takes the mappings made there into its VMAs (kernel/mm.py).
            if t.mem.bind_mmap(assist):
                served += [NR_mmap, NR_munmap]
            self.fast_sigmask = True
            self.refill_random_pool(t, force=True)
            t.signals.bind_mask(assist.sigmask_cell())
            t.process.sigactions.changed = S.ALL_SIGNALS   # the VM's copy is written at the next entry
            self.signal_words = None                        # and the signal words
            self.dispatcher.guest_enter = self._fast_signal_words
        assist.set_fast_syscalls(vals, served)

    def refill_random_pool(self, t, force=False):
        """Fresh host bytes for getrandom's pool in the VM (served there
        while the process has one thread): at set-up, and when a call that
        left the VM finds it nearly used up."""
        assist = t.vcpu.vm.assist
        if self.fast_sigmask and (force or assist.random_pool_left() < 256):
            assist.refill_random_pool(self.host.random(assist.random_pool_size))

    def _fast_signal_words(self, vcpu):
        """Before each entry while rt_sigprocmask is served in the VM: the
        pending signals (all of them while host signals wait in the inbox)
        and the default-fatal ones (the host mirrors their blocking),
        written only when they changed (this runs at every entry)."""
        t = vcpu.task
        sigs = t.signals
        acts = t.process.sigactions
        if acts.changed:
            vcpu.vm.assist.set_sigactions({sig: acts.get(sig).pack() for sig in S.sigs_of(acts.changed)})
            acts.changed = 0
        # A blocked signal of an armed POSIX timer may be due while the
        # guest runs: unblocking it must leave the VM (see expire_timers).
        pend = sigs.own.bits | sigs.shared.bits
        if self.timers is not None:
            pend |= self.timers.sigbits & sigs.mask
        words = (-1 if self.inbox else pend, acts.default_fatal_mask())
        if words != self.signal_words:
            self.signal_words = words
            vcpu.vm.assist.set_signal_words(*words)
