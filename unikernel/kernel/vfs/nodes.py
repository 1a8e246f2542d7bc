"""The node tree the emulated filesystems (/proc: procfs.py, /sys: sysfs.py)
are written in, and the walk from a path's parts to a Node.

Owns: Node (what a lookup returns: a file whose content is generated at
open, a symlink, or a directory with its getdents64 entries), the spec
language of the tables ((kind, value) pairs: 'file' with a content
function, 'link' with a target function, 'dir' with a dict of children;
'fds' / 'fdinfo' for /proc/PID/fd and fdinfo), and path_inode, the stable
inode number of an emulated path.
Travels inside bundles: Python 3.9.
"""
from lxpack.abi.stat import DT_DIR, DT_LNK, DT_REG
from lxpack.unikernel.errors import ENOENT, ENOTDIR

# getdents64 d_type of each spec kind
_DTYPE = {"file": DT_REG, "link": DT_LNK, "dir": DT_DIR, "fds": DT_DIR, "fdinfo": DT_DIR, "mem": DT_REG}


class Node(object):
    __slots__ = ("kind", "content", "target", "entries")

    def __init__(self, kind, content=b"", target=b"", entries=()):
        self.kind = kind          # 'file' | 'link' | 'dir' | 'mem' (target: the pid, None for self)
        self.content = content
        self.target = target
        self.entries = entries    # [(name, d_type)]


def file(fn):
    return ("file", fn)


def dtype(spec):
    return _DTYPE[spec[0]]


def walk(t, spec, parts):
    """The Node that parts names below spec (ENOENT, ENOTDIR as Linux)."""
    for i, p in enumerate(parts):
        kind, val = spec
        if kind == "fds" or kind == "fdinfo":
            if i != len(parts) - 1 or not p.isdigit():
                raise ENOENT()
            fd = int(p)
            if not t.kernel.fd_exists(t, fd):
                raise ENOENT()
            if kind == "fds":
                return Node("link", target=t.kernel.fd_path(t, fd))
            return Node("file", content=t.kernel.fd_info(t, fd))
        if kind != "dir":
            raise ENOTDIR()
        if p not in val:
            raise ENOENT()
        spec = val[p]
    kind, val = spec
    if kind == "file":
        return Node("file", content=val(t))
    if kind == "link":
        return Node("link", target=val(t))
    if kind == "mem":
        return Node("mem", target=None)
    if kind == "dir":
        return Node("dir", entries=[(k, dtype(v)) for k, v in sorted(val.items())])
    if kind in ("fds", "fdinfo"):
        return Node("dir", entries=[(str(fd).encode(), DT_LNK if kind == "fds" else DT_REG) for fd in t.kernel.open_fds(t)])
    raise ENOENT()


def path_inode(mount, parts):
    """A 24-bit inode number for mount/<parts...>, FNV-1a of the path: the
    same in every process and every run (never 0)."""
    h = 0x811c9dc5
    for c in mount + b"".join(b"/" + p for p in parts):
        h = ((h ^ c) * 0x01000193) & 0xffffffff
    return (h & 0xffffff) or 1
