"""The syscall table binds a handler family on its first call
(unikernel/syscall/families.py): a process imports only the families its
program uses, and a family bound late behaves as one imported at start
(its descriptor-creating calls are held to RLIMIT_NOFILE too). Each check
runs in a fresh interpreter, where no test has imported the families."""
import os
import subprocess
import sys
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))


def _run(body):
    code = "import sys\nsys.path.insert(0, %r)\n" % HERE + textwrap.dedent(body)
    r = subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
    assert r.returncode == 0, r.stdout.decode()
    return r.stdout.decode()


def test_a_family_is_imported_by_its_first_call_and_then_dispatched_directly():
    out = _run("""
        from conftest import build_test_kernel, Guest
        from lxpack.abi.syscalls_x86_64 import NR_epoll_create1, NR_epoll_ctl, NR_close
        from lxpack.unikernel.syscall import table
        from lxpack.unikernel.syscall.family_index import INDEX
        g = Guest(*build_test_kernel())
        assert "lxpack.unikernel.syscall.poll" not in sys.modules
        assert type(table.TABLE[NR_epoll_ctl]) is table.Unbound
        fd = g.call(NR_epoll_create1, 0)
        assert fd >= 0, fd
        assert "lxpack.unikernel.syscall.poll" in sys.modules
        # every number of the family is a real Entry now: no detour on later calls
        assert all(type(table.TABLE[nr]) is table.Entry for nr in INDEX["poll"])
        assert g.call(NR_epoll_ctl, fd, 2, fd, 0) == -22       # EPOLL_CTL_DEL of itself: EINVAL
        assert g.call(NR_close, fd) == 0
        print("ok")
    """)
    assert out.strip().endswith("ok")


def test_a_family_bound_after_rlimit_nofile_was_lowered_is_held_to_it():
    out = _run("""
        import struct
        from conftest import build_test_kernel, Guest
        from lxpack.abi.resource import RLIMIT_NOFILE
        from lxpack.abi.syscalls_x86_64 import NR_epoll_create1, NR_prlimit64
        g = Guest(*build_test_kernel())
        new = g.put(struct.pack("<QQ", 6, 1024))
        assert g.call(NR_prlimit64, 0, RLIMIT_NOFILE, new, 0) == 0
        assert "lxpack.unikernel.syscall.poll" not in sys.modules
        fds = []
        while len(fds) < 10:
            fd = g.call(NR_epoll_create1, 0)
            if fd < 0:
                break
            fds.append(fd)
        assert fds and max(fds) == 5 and fd == -24, (fds, fd)    # EMFILE: every number below 6 taken
        print("ok")
    """)
    assert out.strip().endswith("ok")
