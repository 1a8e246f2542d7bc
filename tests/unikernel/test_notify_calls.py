"""inotify_init1/add_watch/rm_watch and reading events (inotify(7),
fs/notify/inotify/inotify_user.c), over the fake host's in-memory files."""
import struct

from lxpack.abi import errno as E
from lxpack.abi import inotify as IN
from lxpack.abi.syscalls_x86_64 import (NR_inotify_add_watch, NR_inotify_init1, NR_inotify_rm_watch, NR_mkdir,
                                        NR_read, NR_rename, NR_unlink)


def add(g, fd, path, mask):
    return g.call(NR_inotify_add_watch, fd, g.cstr(path), mask)


def events(g, fd, size=4096):
    buf = g.alloc(size)
    n = g.call(NR_read, fd, buf, size)
    if n < 0:
        return n
    data, out, off = g.read(buf, n), [], 0
    while off < n:
        wd, mask, cookie, ln = IN.INOTIFY_EVENT.unpack_from(data, off)
        name = data[off + 16:off + 16 + ln].rstrip(b"\0")
        out.append((wd, mask, bool(cookie), name))
        off += 16 + ln
    return out


def test_inotify_init1_flags(g):
    assert g.call(NR_inotify_init1, 1) == -E.EINVAL
    assert g.call(NR_inotify_init1, IN.IN_NONBLOCK | IN.IN_CLOEXEC) >= 0


def test_add_watch_errors_in_linux_order(g):
    fd = g.call(NR_inotify_init1, IN.IN_NONBLOCK)
    g.call(NR_mkdir, g.cstr(b"/tmp/w"), 0o755)
    assert add(g, 77, b"/tmp/w", 0) == -E.EINVAL                                    # mask before the fd
    assert add(g, 77, b"/tmp/w", IN.IN_CREATE | IN.IN_MASK_ADD | IN.IN_MASK_CREATE) == -E.EINVAL
    assert add(g, 77, b"/tmp/w", IN.IN_CREATE) == -E.EBADF
    assert add(g, 0, b"/tmp/w", IN.IN_CREATE) == -E.EINVAL                          # not an inotify fd
    assert g.call(NR_inotify_add_watch, fd, g.UNMAPPED, IN.IN_CREATE) == -E.EFAULT
    assert add(g, fd, b"/tmp/missing", IN.IN_CREATE) == -E.ENOENT
    wd = add(g, fd, b"/tmp/w", IN.IN_CREATE)
    assert wd == 1 and add(g, fd, b"/tmp/w/", IN.IN_DELETE) == wd                  # one wd per inode
    assert add(g, fd, b"/tmp/w", IN.IN_CREATE | IN.IN_MASK_CREATE) == -E.EEXIST
    assert g.call(NR_inotify_rm_watch, fd, 9) == -E.EINVAL
    assert g.call(NR_inotify_rm_watch, 77, wd) == -E.EBADF


def test_directory_events(g):
    fd = g.call(NR_inotify_init1, IN.IN_NONBLOCK)
    g.call(NR_mkdir, g.cstr(b"/tmp/w"), 0o755)
    wd = add(g, fd, b"/tmp/w", IN.IN_CREATE | IN.IN_DELETE | IN.IN_MOVE)
    assert events(g, fd) == -E.EAGAIN                                              # IN_NONBLOCK, nothing queued
    g.host.add_file(b"/tmp/w/a", b"")
    assert events(g, fd) == [(wd, IN.IN_CREATE, False, b"a")]
    g.call(NR_rename, g.cstr(b"/tmp/w/a"), g.cstr(b"/tmp/w/b"))
    assert events(g, fd) == [(wd, IN.IN_MOVED_FROM, True, b"a"), (wd, IN.IN_MOVED_TO, True, b"b")]
    g.call(NR_mkdir, g.cstr(b"/tmp/w/d"), 0o755)
    assert events(g, fd) == [(wd, IN.IN_CREATE | IN.IN_ISDIR, False, b"d")]
    g.call(NR_unlink, g.cstr(b"/tmp/w/b"))
    g.host.add_file(b"/tmp/w/c", b"")
    assert events(g, fd, 16) == -E.EINVAL                                          # too small for the next event
    assert events(g, fd) == [(wd, IN.IN_DELETE, False, b"b"), (wd, IN.IN_CREATE, False, b"c")]
    assert g.call(NR_inotify_rm_watch, fd, wd) == 0
    assert events(g, fd) == [(wd, IN.IN_IGNORED, False, b"")]
