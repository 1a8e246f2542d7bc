"""The dispatcher itself: -ENOSYS for numbers without a handler (reported
once), argument decoding (an int argument is the register's low 32 bits,
sign-extended), the runtime's descriptors invisible to the guest before
anything else is looked at, and the stop request after a call that queued a
signal."""
import pytest

from lxpack.abi import errno as E
from lxpack.abi import signal as SIG
from lxpack.abi.syscalls_x86_64 import (NR_close, NR_fstat, NR_getpid, NR_kill, NR_openat,
                                        NR_read, NR_rseq)
from lxpack.runtime.host.api import RUNTIME_FD_BASE

pytestmark = pytest.mark.unikernel


def test_number_without_handler_is_enosys_and_reported_once(g):
    seen = []
    g.kernel.dispatcher.on_unimplemented = lambda nr, name: seen.append((nr, name))
    assert g.call(335) == -E.ENOSYS                  # a hole in the x86-64 table
    assert g.call(335) == -E.ENOSYS
    assert g.call(1000) == -E.ENOSYS                 # past the table
    assert seen == [(335, "?"), (1000, "?")]


def test_syscall_number_is_the_low_32_bits_of_rax(g):
    # Linux (checked on 6.18) takes the number from eax (entry_64.S movslq
    # %eax): (1<<32)|39 is getpid, a negative eax is ENOSYS.
    assert g.call((1 << 32) | NR_getpid) == 4242
    assert g.call(0xFFFFFFFF) == -E.ENOSYS


def test_deliberate_refusals(g):
    assert g.call(NR_rseq, 0, 0, 0, 0) == -E.ENOSYS        # glibc falls back without rseq


def test_int_arguments_are_the_low_32_bits(g):
    g.host.add_file(b"/tmp/f", b"x")
    fd = g.call(NR_openat, -100, g.cstr("/tmp/f"), 0, 0)
    assert fd == 3
    assert g.call(NR_read, 0xFFFFFFFF, g.alloc(1), 1) == -E.EBADF     # (int)-1
    assert g.call(NR_close, (1 << 32) | fd) == 0                      # close(unsigned int fd): upper half ignored
    assert g.call(NR_close, fd) == -E.EBADF


def test_runtime_descriptors_are_ebadf_before_anything_else(g):
    # Not EFAULT for the bad buffer: the guest never sees the runtime's fds.
    assert g.call(NR_fstat, RUNTIME_FD_BASE + 5, g.UNMAPPED) == -E.EBADF
    assert g.call(NR_openat, RUNTIME_FD_BASE, g.cstr("rel"), 0, 0) == -E.EBADF


def test_a_call_that_queues_a_deliverable_signal_asks_the_vcpu_to_stop(g):
    assert g.call(NR_getpid) == 4242
    assert not g.vcpu.stop_requested
    g.call(NR_kill, 4242, SIG.SIGUSR1)
    assert g.vcpu.stop_requested                     # the run loop delivers it before the guest resumes
