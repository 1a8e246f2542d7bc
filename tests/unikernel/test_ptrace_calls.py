"""ptrace(2) and process_vm_readv(2) as far as one process can drive them
(the two-process protocol is exercised end to end by samples/ptrace_basic.c
and tests/e2e/test_debuggers.py): refusals and their errno against
ptrace(2), process_vm_readv(2) on the own process, and what a tracee's
runtime answers a tracer (struct user_regs_struct, the user area, forced
writes into read-only text) against <sys/user.h>."""
import struct

import pytest

from lxpack.abi import errno as E
from lxpack.abi import mman as M
from lxpack.abi import ptrace as P
from lxpack.abi.syscalls_x86_64 import NR_mmap, NR_process_vm_readv, NR_ptrace
from lxpack.unikernel.errors import LinuxError
from lxpack.unikernel.kernel.ptrace_tracee import Tracee, force_write

pytestmark = pytest.mark.unikernel

PAGE = 4096


def test_traceme_without_an_lxpack_parent_is_eperm(g):
    assert g.call(NR_ptrace, P.PTRACE_TRACEME, 0, 0, 0) == -E.EPERM


def test_attach_and_seize_are_refused_with_eperm(g):
    assert g.call(NR_ptrace, P.PTRACE_ATTACH, 4000, 0, 0) == -E.EPERM
    assert g.call(NR_ptrace, P.PTRACE_SEIZE, 4000, 0, 0) == -E.EPERM


def test_requests_to_a_process_not_traced_are_esrch(g):
    buf = g.alloc(8)
    assert g.call(NR_ptrace, P.PTRACE_PEEKDATA, 4000, buf, buf) == -E.ESRCH
    assert g.call(NR_ptrace, P.PTRACE_CONT, 4000, 0, 0) == -E.ESRCH


def test_process_vm_readv_of_the_own_process_copies(g):
    src = g.put(b"0123456789abcdef")
    dst = g.alloc(16)
    local = g.put(struct.pack("<QQ", dst, 10))
    remote = g.put(struct.pack("<QQ", src + 2, 10))
    assert g.call(NR_process_vm_readv, g.host.pid, local, 1, remote, 1, 0) == 10
    assert g.read(dst, 10) == b"23456789ab"
    assert g.call(NR_process_vm_readv, g.host.pid, local, 1, remote, 1, 1) == -E.EINVAL


def test_user_regs_follow_the_struct_layout(g):
    tr = Tracee(g.kernel, -1, 1)
    g.vcpu.set_regs({"rax": 0xAA, "rip": 0x401234, "rsp": 0x7ffff000, "rflags": 0x246, "r15": 15})
    tr.orig_rax = 39
    regs = dict(zip(P.USER_REGS, P.USER_REGS_STRUCT.unpack(tr.serve(g.task, ("getregs",)))))
    assert (regs["rax"], regs["rip"], regs["rsp"], regs["eflags"], regs["r15"]) == (0xAA, 0x401234, 0x7ffff000,
                                                                                   0x246, 15)
    assert (regs["orig_rax"], regs["cs"], regs["ss"]) == (39, 0x33, 0x2b)
    rip_off = 8 * P.USER_REGS.index("rip")
    assert tr.serve(g.task, ("peekuser", rip_off)) == 0x401234
    tr.serve(g.task, ("pokeuser", 8 * P.USER_REGS.index("orig_rax"), (1 << 64) - 1))
    assert tr.orig_rax == -1                           # a skipped call
    tr.serve(g.task, ("pokeuser", rip_off, 0x401300))
    assert g.vcpu.get_regs()["rip"] == 0x401300
    with pytest.raises(LinuxError) as e:
        tr.serve(g.task, ("peekuser", 3))              # unaligned
    assert e.value.errno == E.EIO


def test_peek_of_unmapped_memory_is_eio(g):
    tr = Tracee(g.kernel, -1, 1)
    with pytest.raises(LinuxError) as e:
        tr.serve(g.task, ("peek", g.UNMAPPED))
    assert e.value.errno == E.EIO


def test_a_debugger_writes_read_only_text_and_its_protection_stays(g):
    addr = g.call(NR_mmap, 0, PAGE, M.PROT_READ | M.PROT_EXEC, M.MAP_PRIVATE | M.MAP_ANONYMOUS, -1, 0)
    assert addr > 0
    force_write(g.task, addr + 16, b"\xcc")            # int3, as gdb inserts a breakpoint
    assert g.read(addr + 16, 1) == b"\xcc"
    assert g.mem.find(addr).prot == M.PROT_READ | M.PROT_EXEC
    with pytest.raises(LinuxError):
        g.mem.write(addr, b"x")                         # the program itself still cannot
