"""What execve runs: a Linux ELF (replaced in place by the loader), a
shebang script (its interpreter, resolved through the VFS, recursively), or a
host-native program (the runtime process is replaced by it through the host,
DESIGN: host-native exec).

Owns: the decision and the checks made before the point of no return, so a
failing execve returns an error to the old image as on Linux.
Travels inside bundles: Python 3.9.
"""
import fnmatch

from lxpack.abi.fcntl import AT_FDCWD, O_CLOEXEC, O_RDONLY
from lxpack.abi.stat import S_IFMT, S_IFREG
from lxpack.unikernel.errors import EACCES, ELOOP, ENOENT, ENOEXEC, LinuxError
from lxpack.unikernel.kernel.loader import WrongFormat, read_elf
from lxpack.unikernel.kernel.vfs import macview

O_RDONLY_CLOEXEC = O_RDONLY | O_CLOEXEC
MAX_SHEBANG_DEPTH = 4


class ExecPlan(object):
    """kind 'elf': fd (host, open), path, argv; kind 'host': hostpath, argv."""
    __slots__ = ("kind", "fd", "path", "hostpath", "argv", "envp", "execfn")

    def __init__(self, kind, path, argv, envp, fd=None, hostpath=None, execfn=None):
        self.kind = kind
        self.path = path
        self.argv = argv
        self.envp = envp
        self.fd = fd
        self.hostpath = hostpath
        self.execfn = execfn or path


def _open_exec(kernel, dirfd, path):
    if kernel.pathtrace is not None:          # lxpack trace (kernel/pathtrace.py)
        try:
            res = _open_exec_file(kernel, dirfd, path)
        except LinuxError as e:
            kernel.pathtrace.exec_result(kernel.current, dirfd, path, e.errno)
            raise
        kernel.pathtrace.exec_result(kernel.current, dirfd, path, 0)
        return res
    return _open_exec_file(kernel, dirfd, path)


def _open_exec_file(kernel, dirfd, path):
    r = kernel.vfs.resolve(dirfd, path)
    if r.kind != "host":
        # /proc/self/exe and friends: the link target.
        if r.fs is not None:
            node = r.fs.lookup(kernel.current, r.parts)
            if node.kind == "link" and node.target.startswith(b"/"):
                return _open_exec(kernel, AT_FDCWD, node.target)
        raise EACCES()
    host = kernel.host
    st = host.stat(r.dirfd, r.path, True)
    if (st.st_mode & S_IFMT) != S_IFREG:
        raise EACCES()
    host.access(r.dirfd, r.path, 1)          # X_OK
    fd = host.openat(r.dirfd, r.path, O_RDONLY_CLOEXEC, 0)
    return fd, r


def _abs(kernel, path):
    if path.startswith(b"/"):
        return path
    cwd = kernel.host.getcwd()
    root = kernel.vfs.root
    if root and cwd.startswith(root):
        cwd = cwd[len(root):] or b"/"
    return cwd.rstrip(b"/") + b"/" + path


def plan(kernel, dirfd, path, argv, envp, depth=0):
    """Decide how to run path; raise a LinuxError if execve must fail."""
    if not path:
        raise ENOENT()
    if depth > MAX_SHEBANG_DEPTH:
        raise ELOOP()
    fd, r = _open_exec(kernel, dirfd, path)
    host = kernel.host
    try:
        vfs = kernel.vfs
        if vfs.foreign and not r.path.startswith(vfs.root + b"/") and macview.runs_on_host(r.path):
            host.close(fd)            # a Mac's own program: the host runs it
            return ExecPlan("host", path, argv, envp, hostpath=r.path)
        for pat in kernel.config.host_exec:
            if fnmatch.fnmatch(path.decode("utf-8", "surrogateescape"), pat):
                host.close(fd)
                return ExecPlan("host", path, argv, envp, hostpath=r.path)
        head = host.pread(fd, 256, 0)
        if head.startswith(b"#!"):
            host.close(fd)
            line = head[2:].split(b"\n", 1)[0].strip()
            if not line:
                raise ENOEXEC()
            parts = line.split(None, 1)
            interp = parts[0]
            new_argv = [interp] + parts[1:2] + [path] + list(argv[1:])
            return plan(kernel, AT_FDCWD, interp, new_argv, envp, depth + 1)
        if head.startswith(b"\x7fELF"):
            try:
                img = read_elf(host, fd, path)
            except WrongFormat:
                if len(head) > 18 and head[4] == 2 and head[18] != 62:
                    raise ENOEXEC()        # another architecture's ELF
                raise ENOEXEC()
            if img.interp:
                ir = kernel.vfs.resolve(AT_FDCWD, img.interp)
                if ir.kind != "host":
                    raise ENOENT()
                host.stat(ir.dirfd, ir.path, True)
            return ExecPlan("elf", _abs(kernel, path) if dirfd == AT_FDCWD else path, argv, envp, fd=fd,
                            execfn=path)
        if head[:4] in (b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"\xce\xfa\xed\xfe"):
            host.close(fd)
            return ExecPlan("host", path, argv, envp, hostpath=r.path)   # a Mach-O: the host runs it
        host.close(fd)
        raise ENOEXEC()
    except LinuxError:
        try:
            host.close(fd)
        except LinuxError:
            pass
        raise
