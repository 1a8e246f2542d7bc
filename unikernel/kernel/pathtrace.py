"""`lxpack trace`: the record of every path a traced program looks up.

Owns: which system calls name a path and where (WATCH: syscall number ->
operation and argument positions), making a relative path absolute (the
cwd, or the path of the dirfd it is relative to), and the record itself:
one JSON object per line (docs/PACKAGING.md, "Profiles"),

  {"op": "open", "path": "/usr/lib/python3.11/json/__init__.py",
   "result": "ok", "pid": 4242, "ppid": 4241, "exe": "/usr/bin/python3.11"}

appended to the profile through the host layer on a descriptor opened with
O_APPEND in the runtime's private high range (boot.py), so every process of
the traced tree — fork children inherit the descriptor and this object —
adds whole lines to one file. A process writes a given (exe, op, path,
result) once; a fork child knows what its parent already wrote.

Hooks (nothing runs when tracing is off): the dispatcher's traced method
calls syscall() for the numbers in WATCH (it knows the result, which
Vfs.resolve does not), and execve.py calls exec_result() for every file it
tries to execute (programs and shebang interpreters).
Travels inside bundles: Python 3.9.
"""
from lxpack.abi.errno import ERRNO_NAMES
from lxpack.abi.fcntl import AT_FDCWD, AT_SYMLINK_NOFOLLOW
from lxpack.abi.mman import MAP_ANONYMOUS
from lxpack.abi.syscalls_x86_64 import (NR_access, NR_faccessat, NR_faccessat2, NR_getdents, NR_getdents64,
                                        NR_lstat, NR_mmap, NR_newfstatat, NR_open, NR_openat, NR_openat2,
                                        NR_readlink, NR_readlinkat, NR_stat, NR_statx)
from lxpack.unikernel.errors import LinuxError

# nr -> (op, dirfd index or None, path index or None, fd index or None, flags index or None)
WATCH = {
    NR_open: ("open", None, 0, None, None),
    NR_openat: ("open", 0, 1, None, None),
    NR_openat2: ("open", 0, 1, None, None),
    NR_stat: ("stat", None, 0, None, None),
    NR_lstat: ("lstat", None, 0, None, None),
    NR_newfstatat: ("stat", 0, 1, None, 3),
    NR_statx: ("stat", 0, 1, None, 2),
    NR_access: ("access", None, 0, None, None),
    NR_faccessat: ("access", 0, 1, None, None),
    NR_faccessat2: ("access", 0, 1, None, None),
    NR_readlink: ("readlink", None, 0, None, None),
    NR_readlinkat: ("readlink", 0, 1, None, None),
    NR_getdents64: ("listdir", None, None, 0, None),
    NR_getdents: ("listdir", None, None, 0, None),
    NR_mmap: ("mmap", None, None, 4, None),            # file mappings
}
OPS = ("open", "stat", "lstat", "access", "readlink", "listdir", "mmap", "exec")


def _json_str(b):
    """A JSON string for a byte path (bytes that are not UTF-8 become lone
    surrogates, \\udcXX, as Python's surrogateescape reads them back)."""
    s = b.decode("utf-8", "surrogateescape") if isinstance(b, bytes) else b
    out = ['"']
    for ch in s:
        c = ord(ch)
        if ch == '"' or ch == "\\":
            out.append("\\" + ch)
        elif 0x20 <= c < 0x7f:
            out.append(ch)
        elif c > 0xFFFF:
            c -= 0x10000
            out.append("\\u%04x\\u%04x" % (0xD800 + (c >> 10), 0xDC00 + (c & 0x3FF)))
        else:
            out.append("\\u%04x" % c)
    out.append('"')
    return "".join(out)


def _collapse(path):
    """// and /./ collapsed; '..' kept (symlinks decide what it means)."""
    parts = [p for p in path.split(b"/") if p and p != b"."]
    return b"/" + b"/".join(parts)


class PathTrace(object):
    """Records into the host descriptor `fd` (O_APPEND, private range)."""

    def __init__(self, host, fd):
        self.host = host
        self.fd = fd
        self.watch = WATCH
        self.seen = set()
        # fd -> the path it was opened by: a mapping or a listing is recorded
        # under that name (ld.so opens /lib/x86_64-linux-gnu/libc.so.6; the
        # host's fd path would be /usr/lib/... through the /lib symlink).
        self.opened = {}

    def syscall(self, t, nr, args, res):
        """After a watched call: args as decoded (None if decoding failed), res
        the result (an int, -errno on failure; anything else is skipped)."""
        if args is None or not isinstance(res, int):
            return
        op, di, pi, fi, gi = self.watch[nr]
        if fi is not None:
            fd = args[fi]
            if fd < 0 or (op == "mmap" and args[3] & MAP_ANONYMOUS):
                return
            path = self._fd_path(t, fd)
            if path is None:
                return
        else:
            path = args[pi]
            if not path:
                return                       # AT_EMPTY_PATH: the fd itself
            if gi is not None and args[gi] & AT_SYMLINK_NOFOLLOW:
                op = "lstat"
            path = self._absolute(t, args[di] if di is not None else AT_FDCWD, path)
            if path is None:
                return
            if op == "open" and res >= 0:
                self.opened[res] = path
        self.record(t, op, path, "ok" if res >= 0 else ERRNO_NAMES.get(-res, str(-res)))

    def exec_result(self, t, dirfd, path, errno):
        """execve.py: the file `path` was (errno 0) or could not be opened to run."""
        if t is None or not path:
            return
        path = self._absolute(t, dirfd, path)
        if path is not None:
            self.record(t, "exec", path, "ok" if not errno else ERRNO_NAMES.get(errno, str(errno)))

    def _fd_path(self, t, fd):
        """The path fd was opened by if it still names the same file, else
        the host's name for it; None for pipes, sockets..."""
        try:
            real = t.kernel.fd_path(t, fd)
        except LinuxError:
            return None
        if not real.startswith(b"/"):
            return None                      # pipe:[...], anon_inode:...
        path = self.opened.get(fd)
        if path is not None and path != real:
            try:
                a = self.host.fstat(fd)
                r = t.kernel.vfs.resolve(AT_FDCWD, path)
                b = self.host.stat(r.dirfd, r.path, True) if r.kind == "host" else None
            except LinuxError:
                b = None
            if b is None or (a.st_dev, a.st_ino) != (b.st_dev, b.st_ino):
                path = None                  # the number was reused (dup2, socket...)
        return path or real

    def _absolute(self, t, dirfd, path):
        if path.startswith(b"/"):
            return _collapse(path)
        try:
            if dirfd == AT_FDCWD:
                base = t.kernel.vfs.guest_path(self.host.getcwd())
            else:
                base = t.kernel.fd_path(t, dirfd)
        except LinuxError:
            return None
        if not base.startswith(b"/"):
            return None
        return _collapse(base + b"/" + path)

    def record(self, t, op, path, result):
        p = t.process
        key = (p.exe, op, path, result)
        if key in self.seen:
            return
        self.seen.add(key)
        try:
            ppid = self.host.getppid()
        except (LinuxError, AttributeError):
            ppid = 0
        line = '{"op": "%s", "path": %s, "result": "%s", "pid": %d, "ppid": %d, "exe": %s}\n' % (
            op, _json_str(path), result, p.pid, ppid, _json_str(p.exe or b""))
        try:
            self.host.write(self.fd, line.encode("ascii"))
        except LinuxError:
            pass                             # a full disk must not change the program's behaviour
