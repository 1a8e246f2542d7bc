"""The kvm backend's vCPU: running guest code and turning VM exits into the
backend interface (base.Vcpu).

Owns: one KVM vCPU (its fd and kvm_run page, registers synced through it),
its long-mode CPU set-up (CPUID, XCR0, control registers, segments, MSRs),
the run loop (KVM_RUN until an exit: handler.syscall(vcpu) for system
calls, FaultExit for exceptions, StopExit when interrupted), the register
view the unikernel gets (user registers whatever the guest is doing), the
kick that pulls another thread's vCPU out of KVM_RUN, and moving the vCPU
state into a forked child. The served functions' undo and fault rules are
fastpath.py's. Knows CPUs and memory, not Linux.

Exit protocol (shared with a future hvf backend): a system call that the
guest code cannot serve leaves with `out 0x10`; the registers are the
arguments (rax = number, rdi, rsi, rdx, r10, r8, r9), rcx/r11 hold the user
RIP/RFLAGS (SYSCALL's own), and the guest returns with sysretq after the
host writes rax. Exceptions leave with `out 0x100+vector` after pushing
rax and rdx on the ring-0 stack above the CPU's exception frame. When the
host changes RIP (signal delivery, sigreturn, execve, restart) it resumes
the vCPU directly in user mode (CS/SS set to the user selectors).
Travels inside bundles: Python 3.9.
"""
import ctypes
import struct
import threading
from errno import EINTR       # a host errno: KVM_RUN's OSError

from lxpack.runtime.host import fds
from lxpack.runtime.vmm import base
from lxpack.runtime.vmm.kvm import _abi as K
from lxpack.runtime.vmm.x86guest import fastpath
from lxpack.runtime.vmm.x86guest import layout as L

_INTR_KIND = {0: "divide", 1: "debug", 3: "breakpoint", 4: "overflow", 5: "bound", 6: "invalid_opcode",
              7: "device_na", 8: "double_fault", 13: "general_protection", 14: "page", 16: "fpu",
              17: "alignment", 19: "simd"}


class KvmVcpu(base.Vcpu):
    """One vCPU. The unikernel sees the user's registers whatever the guest
    is doing: in a system call exit RIP/RFLAGS are in RCX/R11, in an
    exception exit they are in the frame on the ring-0 stack."""

    def __init__(self, vm, index):
        self.vm = vm
        self.index = index
        self.task = None
        self.runs = 0
        self.exits = 0
        self.context = None
        self._create()
        self._init_cpu()

    def _create(self):
        vm = self.vm
        self.fd = K.ioctl(vm.fd, K.KVM_CREATE_VCPU, self.index)
        self.fd = fds.move_high(self.fd, fds.OFFSET_VMM)
        self.run_addr = K.mmap(vm.run_size, K.PROT_READ | K.PROT_WRITE, K.MAP_SHARED, self.fd, 0)
        # SAFETY: the kvm_run page stays mapped for the life of this vCPU.
        self.run_page = K.KvmRunHead.from_address(self.run_addr)
        # KVM_CAP_SYNC_REGS: the general registers travel in the kvm_run page
        # with every exit and entry, saving a GET_REGS and a SET_REGS ioctl
        # per system call (each costs ~15 us under nested virtualization).
        self.valid_regs = ctypes.c_uint64.from_address(self.run_addr + K.RUN_VALID_REGS)
        self.dirty_regs = ctypes.c_uint64.from_address(self.run_addr + K.RUN_DIRTY_REGS)
        # The segment/control registers travel there too: they are current
        # after every exit (CR2 for a fault, FS base set in the VM), and a
        # changed CR3 or segment reaches the vCPU without a SET_SREGS ioctl.
        self.valid_regs.value = K.KVM_SYNC_X86_REGS | K.KVM_SYNC_X86_SREGS
        self.regs = K.KvmRegs.from_address(self.run_addr + K.RUN_SYNC_REGS)
        self.sregs = K.KvmSregs.from_address(self.run_addr + K.RUN_SYNC_REGS + ctypes.sizeof(K.KvmRegs))
        self.state = "user"           # 'user' | 'syscall' | 'exception'
        self.regs_dirty = False
        self.sregs_dirty = False
        self.frame = None             # exception frame values
        self._last_spurious = None    # (page, rip) of the last fault retried as spurious
        self._stop = False
        self.thread_ident = None

    def reset_for_exec(self):
        """A new vCPU's state on this one (execve reusing the VM, KvmVm.reset);
        its CPUID stays (KVM refuses to change it after the first run)."""
        self.exits = self.runs = 0
        self.state = "user"
        self.frame = None
        self._last_spurious = None
        self._stop = False
        self._init_cpu(cpuid=False)
        self.regs_dirty = True

    def _init_cpu(self, cpuid=True):
        vm = self.vm
        # CPUID as KVM supports it, so glibc picks AVX2/AVX-512 code where the CPU has them.
        ents = vm.backend.supported_cpuid(vm.kvm)
        if cpuid:
            T = K.cpuid2_type(len(ents))
            c = T()
            c.nent = len(ents)
            for i, (f, idx, fl, a, b, cc, d) in enumerate(ents):
                e = c.entries[i]
                e.function, e.index, e.flags, e.eax, e.ebx, e.ecx, e.edx = f, idx, fl, a, b, cc, d
                if f == 1:
                    e.ebx = (e.ebx & 0x00FFFFFF) | (self.index << 24)   # APIC id
            K.ioctl(self.fd, K.KVM_SET_CPUID2, c)
        # XCR0: x87, SSE, and AVX / AVX-512 state where supported.
        xsave_leaf = [(a, d) for f, idx, fl, a, b, cc, d in ents if f == 0xD and idx == 0]
        supported = (xsave_leaf[0][0] | (xsave_leaf[0][1] << 32)) if xsave_leaf else 3
        xcrs = K.KvmXcrs()
        xcrs.nr_xcrs = 1
        xcrs.xcrs[0].xcr = 0
        xcrs.xcrs[0].value = supported & 0xE7 | 3
        K.ioctl(self.fd, K.KVM_SET_XCRS, xcrs)
        s = self.sregs
        K.ioctl(self.fd, K.KVM_GET_SREGS, s)
        s.cr3 = L.PML4
        s.cr4 = L.CR4_PAE | L.CR4_PGE | L.CR4_OSFXSR | L.CR4_OSXMMEXCPT | L.CR4_OSXSAVE
        if vm.backend.has_fsgsbase:
            s.cr4 |= L.CR4_FSGSBASE           # as Linux since 5.9: WRFSBASE in user mode too
        s.cr0 = L.CR0_PE | L.CR0_MP | L.CR0_ET | L.CR0_NE | L.CR0_WP | L.CR0_AM | L.CR0_PG
        s.efer = L.EFER_SCE | L.EFER_LME | L.EFER_LMA | L.EFER_NXE
        s.gdt.base = L.KBASE + L.GDT
        s.gdt.limit = L.SEL_TSS0 + 16 * L.MAX_VCPUS - 1
        s.idt.base = L.KBASE + L.IDT
        s.idt.limit = 256 * 16 - 1
        tss = L.KBASE + L.TSS + self.index * L.TSS_SIZE
        self._seg(s.tr, L.SEL_TSS0 + 16 * self.index, 11, 0, code=False, system=True, base=tss, limit=L.TSS_LIMIT)
        self._user_segments(s)
        s.fs.base = 0
        s.gs.base = 0
        self.sregs_dirty = True
        if s.cr4 & L.CR4_FSGSBASE:
            # Offered by CPUID but refused by this KVM: serve arch_prctl on the host.
            try:
                K.ioctl(self.fd, K.KVM_SET_SREGS, s)
            except OSError:
                vm.backend.has_fsgsbase = False
                s.cr4 &= ~L.CR4_FSGSBASE
        msrs = [(K.MSR_STAR, (L.SEL_UCODE32 << 48) | (L.SEL_KCODE << 32)),
                (K.MSR_LSTAR, L.TRAMPOLINE), (K.MSR_CSTAR, 0),
                (K.MSR_SFMASK, 0x47700), (K.MSR_KERNEL_GS_BASE, 0)]
        if self.index == 0:
            msrs.append((K.MSR_KVM_SYSTEM_TIME_NEW, L.TIMEPAGE | 1))     # kvmclock for the vDSO
        M = K.msrs_type(len(msrs))
        m = M()
        m.nmsrs = len(msrs)
        for i, (idx, val) in enumerate(msrs):
            m.entries[i].index = idx
            m.entries[i].data = val
        K.ioctl(self.fd, K.KVM_SET_MSRS, m)
        # FPU: default control words (as after FNINIT / Linux's init_fpstate).
        fpu = K.KvmFpu()
        fpu.fcw = 0x37F
        fpu.mxcsr = 0x1F80
        K.ioctl(self.fd, K.KVM_SET_FPU, fpu)

    @staticmethod
    def _seg(seg, selector, typ, dpl, code, system=False, base=0, limit=0xFFFFFFFF):
        seg.base = base
        seg.limit = limit
        seg.selector = selector
        seg.type = typ
        seg.present = 1
        seg.dpl = dpl
        seg.db = 0 if code or system else 1
        seg.s = 0 if system else 1
        seg.l = 1 if code else 0
        seg.g = 0 if system else 1
        seg.avl = 0
        seg.unusable = 0

    def _user_segments(self, s):
        self._seg(s.cs, L.SEL_UCODE, 11, 3, code=True)
        self._seg(s.ss, L.SEL_UDATA, 3, 3, code=False)
        for seg in (s.ds, s.es):
            self._seg(seg, L.SEL_UDATA, 3, 3, code=False)
        fsb, gsb = s.fs.base, s.gs.base
        self._seg(s.fs, 0, 3, 3, code=False)
        self._seg(s.gs, 0, 3, 3, code=False)
        s.fs.base, s.gs.base = fsb, gsb

    # -- registers as the unikernel sees them ---------------------------------------------------
    def syscall_args(self):
        r = self.regs
        return [r.rax, r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9]

    def set_rax(self, value):
        self.regs.rax = value & 0xFFFFFFFFFFFFFFFF
        self.regs_dirty = True

    def get_regs(self):
        r = self.regs
        d = {n: getattr(r, n) for n in K.REG_NAMES}
        if self.state == "syscall":
            d["rip"] = r.rcx
            d["rflags"] = r.r11
        elif self.state == "exception":
            f = self.frame
            d["rax"], d["rdx"], d["rip"], d["rflags"], d["rsp"] = f["rax"], f["rdx"], f["rip"], f["rflags"], f["rsp"]
        d["fs_base"] = self.sregs.fs.base
        d["gs_base"] = self.sregs.gs.base
        return d

    def get_reg(self, name):
        return self.get_regs()[name] if name in ("rip", "rflags", "rsp", "rax", "rdx") and self.state != "user" \
            else (self.sregs.fs.base if name == "fs_base" else self.sregs.gs.base if name == "gs_base"
                  else getattr(self.regs, name))

    def set_regs(self, regs):
        redirect = "rip" in regs or "rflags" in regs or (self.state == "exception" and
                                                          ("rsp" in regs or "rax" in regs or "rdx" in regs))
        if redirect and self.state != "user":
            # Leave the syscall/exception context: resume straight in user mode.
            cur = self.get_regs()
            for n in K.REG_NAMES:
                setattr(self.regs, n, cur[n])
            self.state = "user"
            self._user_segments(self.sregs)
            self.sregs_dirty = True
        for name, value in regs.items():
            value &= 0xFFFFFFFFFFFFFFFF
            if name == "fs_base":
                self.sregs.fs.base = value
                self.sregs_dirty = True
            elif name == "gs_base":
                self.sregs.gs.base = value
                self.sregs_dirty = True
            elif self.state == "syscall" and name == "rip":
                self.regs.rcx = value
            elif self.state == "syscall" and name == "rflags":
                self.regs.r11 = value
            else:
                setattr(self.regs, name, value)
        self.regs_dirty = True

    def set_reg(self, name, value):
        self.set_regs({name: value})

    def syscall_insn_addr(self):
        return self.get_reg("rip") - 2

    def in_guest(self):
        return False

    def get_fpu_state(self):
        """The FXSAVE-format 512-byte FPU/SSE area (for signal frames): the
        legacy region at the start of the XSAVE area."""
        x = K.KvmXsave()
        K.ioctl(self.fd, K.KVM_GET_XSAVE, x)
        return ctypes.string_at(ctypes.addressof(x), 512)

    def set_fpu_state(self, area):
        # Through XSAVE, marking x87 and SSE state present (XSTATE_BV bits 0-1):
        # with those bits clear XRSTOR would load the init state instead.
        x = K.KvmXsave()
        K.ioctl(self.fd, K.KVM_GET_XSAVE, x)
        base = ctypes.addressof(x)
        ctypes.memmove(base, bytes(area[:512]), 512)
        bv = ctypes.c_uint64.from_address(base + 512)
        bv.value |= 3
        K.ioctl(self.fd, K.KVM_SET_XSAVE, x)

    # -- running -----------------------------------------------------------------------------------
    def request_stop(self):
        self._stop = True
        self.run_page.immediate_exit = 1
        ident = self.thread_ident
        if ident is not None and ident != threading.get_ident():
            self._poke(ident)

    def kick(self, grace=0.0):
        task = self.task
        if task is not None:
            task.wants_stop = True
        self.request_stop()

    @staticmethod
    def _poke(ident):
        """Interrupt KVM_RUN on another host thread with a signal it handles."""
        import signal
        if _KICK_SIGNAL is None:
            return
        try:
            signal.pthread_kill(ident, _KICK_SIGNAL)
        except (OSError, ValueError):
            pass

    def clone(self):
        """A new vCPU (its own host thread will run it) with this one's user
        registers, segment bases and FPU state."""
        with self.vm.lock:
            v = self.vm.new_vcpu()
        regs = self.get_regs()
        v.set_regs({n: regs[n] for n in K.REG_NAMES + ("fs_base", "gs_base")})
        v.set_fpu_state(self.get_fpu_state())
        return v

    def save(self):
        pass

    def restore(self):
        pass

    def _flush(self):
        aspace = self.vm.aspace
        if aspace.dirty:
            aspace.dirty = False
            for v in self.vm.vcpus:
                v.sregs_dirty = True      # rewriting CR3 flushes the guest TLB
        if self.sregs_dirty:
            self.dirty_regs.value |= K.KVM_SYNC_X86_SREGS
            self.sregs_dirty = False
        if self.regs_dirty:
            if self.state == "user":
                self.regs.rflags |= 2               # the reserved bit 1
            self.dirty_regs.value |= K.KVM_SYNC_X86_REGS
            self.regs_dirty = False

    def run(self, handler):
        self.thread_ident = threading.get_ident()
        rp = self.run_page
        self._stop = False
        rp.immediate_exit = 0
        try:
            while True:
                if self.state == "exception":
                    # Nobody redirected after a fault: return to the frame (retry).
                    self.set_regs({"rip": self.frame["rip"]})
                self._flush()
                if self._stop:
                    return base.StopExit()
                enter = handler.guest_enter   # read each time: threads may start meanwhile
                leave = handler.guest_leave
                if enter is not None:
                    enter(self)               # other threads' syscalls may run meanwhile
                try:
                    K.ioctl(self.fd, K.KVM_RUN)
                except OSError as e:
                    if e.errno == EINTR:      # a host signal, or a kick
                        rp.immediate_exit = 0
                        if self._interrupted_at():
                            return base.StopExit()
                        self._stop = False    # inside an exception stub: let it exit first
                        continue
                    raise
                finally:
                    if leave is not None:
                        leave(self)
                self.exits += 1
                reason = rp.exit_reason
                if reason == K.KVM_EXIT_IO:
                    port = rp.io.port
                    if port == L.PORT_SYSCALL:
                        self.state = "syscall"
                        self._last_spurious = None
                        if not self.vm.backend.cpl_checked:
                            self.vm.backend.cpl_checked = True
                            if self.sregs.cs.dpl == 3:
                                self.vm.patch_cpl3_syscall()
                        handler.syscall(self)
                        rp = self.run_page        # a fork served by this call re-creates it in the child
                        if self.state == "syscall":
                            # back to the stub's sysretq
                            pass
                        if self._stop:
                            return base.StopExit()
                        continue
                    if port >= L.PORT_EXC:
                        ex = self._exception(port - L.PORT_EXC)
                        if ex is not None:
                            return ex
                        continue
                self._crash("unexpected VM exit %s" % K.EXIT_NAMES.get(reason, reason))
        finally:
            self.runs += 1

    def _interrupted_at(self):
        """KVM_RUN was interrupted: make the unikernel's register view right
        for wherever the guest stopped. Returns False when it stopped inside
        an exception stub (ring 0), which must be left to finish."""
        r = self.regs
        rip = r.rip
        if rip >= L.KBASE:
            return False
        off = rip - L.TRAMPOLINE
        if 0 <= off < 0x1000:
            # In the syscall entry: past the result (fast path done, or back
            # from the host) the call is complete and returns to rcx; before
            # it the call has not happened and `syscall` must run again.
            done = off in (L.ENTRY_FAST_DONE, L.SYSRET_OFFSET)
            fn = fastpath.fn_at(off)
            if fn is not None and off == fn.done:
                done = True                   # committed, registers restored, rax the result
            elif fn is not None:
                # Inside a served function: undo it; `syscall` runs again.
                fastpath.undo(self, fn, off)
                r.rax = fn.nr
            r.rip = r.rcx if done else r.rcx - 2
            r.rflags = r.r11
            self._user_segments(self.sregs)
            self.sregs_dirty = True
            self.regs_dirty = True
        self.state = "user"
        return True

    def _exception(self, vector):
        rsp = self.regs.rsp
        raw = self.vm.aspace.read(rsp, 64) if rsp < (1 << 47) else self._kread(rsp, 64)
        rdx, rax, err, rip, cs, rflags, ursp, ss = struct.unpack("<8Q", raw)
        if vector == 13 and rip == L.TRAMPOLINE + L.SYSRET_OFFSET and cs & 3 == 3:
            # sysretq at CPL 3: SYSCALL left CPL at 3 here, and the process's
            # first system call was served in the VM before any exit could
            # show it. Patch the return and finish that call.
            self.vm.backend.cpl_checked = True
            self.vm.patch_cpl3_syscall()
            r = self.regs
            r.rax, r.rdx, r.rsp, r.rip, r.rflags = rax, rdx, ursp, r.rcx, r.r11
            self.state = "user"
            self._user_segments(self.sregs)
            self.sregs_dirty = self.regs_dirty = True
            return None
        fn = fastpath.fn_at(rip - L.TRAMPOLINE) if vector in (13, 14) else None   # #GP, #PF
        if fn is not None:
            # A served function touched a bad user address: finish the
            # call as Linux would (EFAULT), after a spurious-fault retry.
            spurious = vector == 14 and self._spurious(self.sregs.cr2, "write" if err & 2 else "read", rip)
            self._fast_fn_leave(fn, rip - L.TRAMPOLINE, rdx, ursp, restart=spurious)
            return base.StopExit()        # rt_sigprocmask may have unblocked a pending signal
        if cs & 3 != 3:
            self._crash("exception %d (%s) in guest kernel code at %#x, error %#x, cr2 %#x"
                        % (vector, _INTR_KIND.get(vector, "?"), rip, err, self.sregs.cr2))
        self.frame = dict(rax=rax, rdx=rdx, rip=rip, rflags=rflags, rsp=ursp, err=err)
        self.state = "exception"
        kind = _INTR_KIND.get(vector, "interrupt_%d" % vector)
        if vector == 14:                 # #PF
            cr2 = self.sregs.cr2
            access = "exec" if err & 16 else "write" if err & 2 else "read"
            if self._spurious(cr2, access, rip):
                return None              # run the instruction again
            return base.FaultExit("page", rip, addr=cr2, access=access,
                                  reason="protection" if err & 1 else "unmapped")
        return base.FaultExit(kind, rip)

    def _fast_fn_leave(self, fn, off, rdx, ursp, restart):
        """A served function faulted (its exception frame held rdx and the
        user rsp): undo it and run the `syscall` again (restart: a spurious
        fault), or return -EFAULT from it as Linux would (getrandom: the
        bytes it wrote before the fault; rt_sigprocmask: a bad old-set
        pointer leaves the new mask in place)."""
        r = self.regs
        r.rdx = rdx
        r.rax = fastpath.fault_result(self, fn, off, restart)
        r.rsp = ursp
        r.rip = r.rcx - 2 if restart else r.rcx
        r.rflags = r.r11
        self.state = "user"
        self._user_segments(self.sregs)
        self.sregs_dirty = True
        self.regs_dirty = True

    def _spurious(self, addr, access, rip):
        """A page fault the page tables no longer justify: a translation
        cached before a permission was added (mprotect R -> RW, a page mapped
        after a fault) may fault once more on x86. The fault itself drops the
        stale TLB entry; KVM's cached entry for the page is dropped here too.
        A second fault at the same place is real (never loop)."""
        aspace = self.vm.aspace
        pt = aspace._walk(addr, create=False)
        e = pt[(addr >> 12) & 511] if pt is not None else 0
        ok = e & L.PTE_P and e & L.PTE_U and (access != "write" or e & L.PTE_W) and \
            (access != "exec" or not e & L.PTE_NX)
        key = (addr >> 12, rip)
        if not ok or self._last_spurious == key:
            self._last_spurious = None
            return False
        self._last_spurious = key
        r = aspace._find(addr)
        if r is not None:
            page = addr & ~0xFFF
            host = (r[3] + (page - r[0])) if r[3] else aspace.hb + r[2] + (page - r[0])
            K.drop_guest_translations(host, 0x1000)
        return True

    def _kread(self, va, n):
        # SAFETY: kernel virtual addresses map phys 0-2 MiB of slot 0.
        return ctypes.string_at(self.vm.host_base + (va - L.KBASE), n)

    def _crash(self, what):
        K.ioctl(self.fd, K.KVM_GET_REGS, self.regs)
        K.ioctl(self.fd, K.KVM_GET_SREGS, self.sregs)
        r = self.regs
        regs = " ".join("%s=%#x" % (n, getattr(r, n)) for n in K.REG_NAMES)
        raise base.GuestCrash("%s; %s cr2=%#x cr3=%#x cs=%#x" % (what, regs, self.sregs.cr2, self.sregs.cr3,
                                                          self.sregs.cs.selector))

    # -- fork --------------------------------------------------------------------------------------
    def export_state(self):
        """A private copy of this vCPU's state, taken in the parent before a
        fork (the kvm_run page is shared with the parent after the fork, so
        the child must not read registers from it)."""
        x = K.KvmXsave()
        K.ioctl(self.fd, K.KVM_GET_XSAVE, x)
        regs = K.KvmRegs()
        ctypes.memmove(ctypes.addressof(regs), ctypes.addressof(self.regs), ctypes.sizeof(regs))
        sregs = K.KvmSregs()
        ctypes.memmove(ctypes.addressof(sregs), ctypes.addressof(self.sregs), ctypes.sizeof(sregs))
        return (x, self.state, regs, sregs, dict(self.frame) if self.frame else None)

    def recreate(self, st):
        xsave, state, regs, sregs, frame = st
        self.exits = self.runs = 0               # --stats counts this process's exits only
        self._create()
        self._init_cpu()
        K.ioctl(self.fd, K.KVM_SET_XSAVE, xsave)
        ctypes.memmove(ctypes.addressof(self.regs), ctypes.addressof(regs), ctypes.sizeof(regs))
        fsb, gsb = sregs.fs.base, sregs.gs.base
        self.sregs.fs.base, self.sregs.gs.base = fsb, gsb
        if state == "syscall":
            # We are inside the syscall stub (ring 0): keep its segments.
            ctypes.memmove(ctypes.addressof(self.sregs), ctypes.addressof(sregs), ctypes.sizeof(sregs))
        self.state = state
        self.frame = frame
        self.regs_dirty = self.sregs_dirty = True


_KICK_SIGNAL = None


def set_kick_signal(sig):
    """The host signal used to pull another thread's vCPU out of KVM_RUN."""
    global _KICK_SIGNAL
    _KICK_SIGNAL = sig
