"""Process bookkeeping calls: ids, set_tid_address, uname, resource limits
(getrlimit/setrlimit/prlimit64), prctl names and flags, getrandom, exit,
against getpid(2), set_tid_address(2), uname(2), getrlimit(2) and prctl(2).
Error orders were checked on Linux 6.18."""
import struct

import pytest

from lxpack.abi import errno as E
from lxpack.abi import prctl as PR
from lxpack.abi import resource as R
from lxpack.abi.syscalls_x86_64 import (NR_exit_group, NR_getegid, NR_geteuid, NR_getgid, NR_getpid,
                                        NR_getppid, NR_getrandom, NR_getrlimit, NR_gettid, NR_getuid,
                                        NR_prctl, NR_prlimit64, NR_set_tid_address, NR_setrlimit, NR_uname)
from lxpack.runtime.host.api import RUNTIME_FD_BASE
from lxpack.unikernel.errors import ProcessExit

pytestmark = pytest.mark.unikernel

INF = R.RLIM_INFINITY


def getrlimit(g, res):
    buf = g.alloc(16)
    r = g.call(NR_getrlimit, res, buf)
    return r if r < 0 else struct.unpack("<QQ", g.read(buf, 16))


def setrlimit(g, res, soft, hard):
    return g.call(NR_setrlimit, res, g.put(struct.pack("<QQ", soft, hard)))


# ---- ids -------------------------------------------------------------------------------------

def test_ids_come_from_the_host(g):
    assert g.call(NR_getpid) == g.host.pid == 4242
    assert g.call(NR_getppid) == 4241
    assert g.call(NR_gettid) == 4242                    # the main thread's tid is the pid
    assert (g.call(NR_getuid), g.call(NR_geteuid), g.call(NR_getgid), g.call(NR_getegid)) == (1000,) * 4


def test_set_tid_address_returns_the_tid_and_records_the_pointer(g):
    ptr = g.alloc(4)
    assert g.call(NR_set_tid_address, ptr) == 4242
    assert g.task.clear_child_tid == ptr
    assert g.call(NR_set_tid_address, 0) == 4242       # NULL is allowed (clears it)
    assert g.task.clear_child_tid == 0


# ---- uname -----------------------------------------------------------------------------------

def test_uname_fields(g):
    buf = g.alloc(6 * 65)
    assert g.call(NR_uname, buf) == 0
    fields = [g.read(buf + 65 * i, 65).split(b"\0", 1)[0] for i in range(6)]
    sysname, node, release, version, machine, _domain = fields
    assert (sysname, node, machine) == (b"Linux", b"fakehost", b"x86_64")
    assert release == b"6.1.0-fake"                    # a Linux host's own release is passed through
    assert version.startswith(b"#1")


def test_uname_efault(g):
    assert g.call(NR_uname, g.UNMAPPED) == -E.EFAULT


# ---- resource limits -------------------------------------------------------------------------

def test_getrlimit_reports_the_hosts_limits(g):
    # the host's hard 4096 reaches into the runtime's range: the guest sees where its own ends
    assert getrlimit(g, R.RLIMIT_NOFILE) == (1024, RUNTIME_FD_BASE)
    assert getrlimit(g, R.RLIMIT_STACK) == (8 << 20, INF)
    assert getrlimit(g, R.RLIMIT_AS) == (INF, INF)


def test_getrlimit_errors(g):
    assert getrlimit(g, R.RLIM_NLIMITS) == -E.EINVAL
    assert getrlimit(g, -1) == -E.EINVAL
    assert g.call(NR_getrlimit, R.RLIMIT_NOFILE, g.UNMAPPED) == -E.EFAULT


def test_setrlimit_lowers_and_reads_back(g):
    assert setrlimit(g, R.RLIMIT_CORE, 0, 0) == 0
    assert getrlimit(g, R.RLIMIT_CORE) == (0, 0)
    assert setrlimit(g, R.RLIMIT_STACK, 4 << 20, INF) == 0       # kept in the guest's view
    assert getrlimit(g, R.RLIMIT_STACK) == (4 << 20, INF)


def test_setrlimit_errors(g):
    assert setrlimit(g, R.RLIMIT_CORE, 10, 5) == -E.EINVAL        # soft above hard
    assert setrlimit(g, R.RLIMIT_NOFILE, 1024, 1 << 20) == -E.EPERM   # raising the hard limit unprivileged
    assert setrlimit(g, R.RLIM_NLIMITS, 1, 1) == -E.EINVAL
    assert g.call(NR_setrlimit, R.RLIMIT_CORE, g.UNMAPPED) == -E.EFAULT


def test_prlimit64_sets_and_returns_the_old_limit(g):
    old = g.alloc(16)
    new = g.put(struct.pack("<QQ", 0, 0))
    assert g.call(NR_prlimit64, 0, R.RLIMIT_CORE, new, old) == 0
    assert struct.unpack("<QQ", g.read(old, 16)) == (0, INF)     # the host's: no core files, hard unlimited
    assert getrlimit(g, R.RLIMIT_CORE) == (0, 0)
    assert g.call(NR_prlimit64, g.host.pid, R.RLIMIT_CORE, 0, old) == 0     # own pid = 0
    assert struct.unpack("<QQ", g.read(old, 16)) == (0, 0)


def test_prlimit64_errors(g):
    assert g.call(NR_prlimit64, 0, R.RLIM_NLIMITS, 0, g.alloc(16)) == -E.EINVAL
    assert g.call(NR_prlimit64, 0, R.RLIMIT_CORE, g.UNMAPPED, 0) == -E.EFAULT
    assert g.call(NR_prlimit64, 0, R.RLIMIT_CORE, 0, g.UNMAPPED) == -E.EFAULT
    assert g.call(NR_prlimit64, 0, R.RLIMIT_CORE, g.put(struct.pack("<QQ", 2, 1)), 0) == -E.EINVAL


def test_prlimit64_of_a_missing_process_is_esrch(g):
    assert g.call(NR_prlimit64, 999999, R.RLIMIT_CORE, 0, g.alloc(16)) == -E.ESRCH


def test_prlimit64_copies_the_new_limit_before_checking_the_resource(g):
    assert g.call(NR_prlimit64, 0, R.RLIM_NLIMITS, g.UNMAPPED, 0) == -E.EFAULT


# ---- prctl -----------------------------------------------------------------------------------

def test_prctl_name_is_truncated_to_15_bytes(g):
    assert g.call(NR_prctl, PR.PR_SET_NAME, g.cstr("a-very-long-thread-name"), 0, 0, 0) == 0
    buf = g.put(b"\xff" * 16)
    assert g.call(NR_prctl, PR.PR_GET_NAME, buf, 0, 0, 0) == 0
    assert g.read(buf, 16) == b"a-very-long-thr\0"


def test_prctl_pdeathsig_and_dumpable(g):
    assert g.call(NR_prctl, PR.PR_SET_PDEATHSIG, 15, 0, 0, 0) == 0
    out = g.alloc(4)
    assert g.call(NR_prctl, PR.PR_GET_PDEATHSIG, out, 0, 0, 0) == 0 and g.i32(out) == 15
    assert g.call(NR_prctl, PR.PR_GET_DUMPABLE, 0, 0, 0, 0) == 1
    assert g.call(NR_prctl, PR.PR_SET_DUMPABLE, 0, 0, 0, 0) == 0
    assert g.call(NR_prctl, PR.PR_GET_DUMPABLE, 0, 0, 0, 0) == 0


def test_prctl_errors(g):
    assert g.call(NR_prctl, 9999, 0, 0, 0, 0) == -E.EINVAL
    assert g.call(NR_prctl, PR.PR_SET_PDEATHSIG, 65, 0, 0, 0) == -E.EINVAL
    assert g.call(NR_prctl, PR.PR_SET_DUMPABLE, 2, 0, 0, 0) == -E.EINVAL
    assert g.call(NR_prctl, PR.PR_SET_NAME, g.UNMAPPED, 0, 0, 0) == -E.EFAULT
    assert g.call(NR_prctl, PR.PR_GET_NAME, g.UNMAPPED, 0, 0, 0) == -E.EFAULT


# ---- getrandom, exit_group -----------------------------------------------------------------------

def test_getrandom(g):
    buf = g.alloc(32)
    assert g.call(NR_getrandom, buf, 32, 0) == 32
    assert g.read(buf, 32) != bytes(32)
    assert g.call(NR_getrandom, buf, 8, 0x80) == -E.EINVAL
    assert g.call(NR_getrandom, g.UNMAPPED, 8, 0) == -E.EFAULT


def test_exit_group_ends_the_process_with_the_low_byte(g):
    with pytest.raises(ProcessExit) as info:
        g.call(NR_exit_group, 0x1234)
    assert info.value.status == 0x34
