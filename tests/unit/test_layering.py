"""The layering rules of DESIGN.md, checked on the source.

1. The unikernel reaches the host only through the host layer: its modules
   import no OS module (os, socket, select, fcntl, ctypes, subprocess...) and
   from lxpack only the ABI tables, itself, the host layer's data types
   (runtime.host.api) and the backend interface's constants (runtime.vmm.base).
2. The host layer uses only calls a macOS host also has: a Linux-only
   function (Python documents them as "Availability: Linux") may appear only
   under a guard (hasattr/getattr, IS_LINUX, sys.platform) or inside a try
   that catches AttributeError.
"""
import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]

# Standard modules with no host access (pure computation, or threads/clocks
# that every host has).
PURE_STDLIB = {"struct", "bisect", "threading", "time", "collections", "itertools", "functools", "heapq",
               "weakref", "fnmatch", "sys", "traceback", "errno", "__future__", "re", "math", "enum"}
UNIKERNEL_MAY_IMPORT = ("lxpack.abi", "lxpack.unikernel", "lxpack.runtime.host.api", "lxpack.runtime.vmm.base",
                        "lxpack.runtime.vmm")   # "from lxpack.runtime.vmm import base"

# Names of os/select/fcntl/socket/resource/signal functions and constants that
# macOS lacks (CPython documents them as Linux-only).
LINUX_ONLY = {
    "os": {"sched_getaffinity", "sched_setaffinity", "pipe2", "memfd_create", "eventfd", "eventfd_read",
           "eventfd_write", "splice", "copy_file_range", "posix_fadvise", "posix_fallocate", "pidfd_open",
           "getxattr", "setxattr", "listxattr", "removexattr", "fdatasync", "sync_file_range", "waitid",
           "getresuid", "getresgid", "setresuid", "setresgid", "O_PATH", "O_TMPFILE", "O_DIRECT",
           "O_NOATIME", "timerfd_create", "timerfd_settime", "timerfd_gettime", "unshare", "setns",
           "getrandom", "sched_getscheduler", "sched_param", "P_PIDFD"},
    "select": {"epoll", "EPOLLIN", "EPOLLOUT", "EPOLLET"},
    "fcntl": {"F_OFD_GETLK", "F_OFD_SETLK", "F_OFD_SETLKW", "F_SETPIPE_SZ", "F_GETPIPE_SZ", "F_ADD_SEALS",
              "F_GET_SEALS"},
    "socket": {"SO_PEERCRED", "SCM_CREDENTIALS", "SO_PASSCRED", "AF_NETLINK", "SOCK_CLOEXEC", "SOCK_NONBLOCK",
               "MSG_NOSIGNAL", "TCP_KEEPIDLE"},
    "signal": {"SIGRTMIN", "SIGRTMAX", "pthread_sigmask_rt", "sigtimedwait", "sigwaitinfo"},
    "resource": {"RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_RTPRIO", "RLIMIT_RTTIME",
                 "RLIMIT_LOCKS", "prlimit"},
}
GUARD_WORDS = ("hasattr", "getattr", "IS_LINUX", "sys.platform", "IS_MACOS", "_HAS_")


def _modules(sub):
    return sorted(p for p in (ROOT / sub).rglob("*.py") if "__pycache__" not in p.parts)


def _imports(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield node.lineno, a.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.lineno, node.module


@pytest.mark.parametrize("path", _modules("unikernel"), ids=lambda p: str(p.relative_to(ROOT)))
def test_unikernel_reaches_the_host_only_through_the_host_layer(path):
    tree = ast.parse(path.read_text(), str(path))
    bad = []
    for line, mod in _imports(tree):
        top = mod.split(".")[0]
        if top == "lxpack":
            if not any(mod == m or mod.startswith(m + ".") for m in UNIKERNEL_MAY_IMPORT):
                bad.append("%d: %s" % (line, mod))
        elif top not in PURE_STDLIB:
            bad.append("%d: %s" % (line, mod))
    assert not bad, "%s imports what only the host layer may: %s" % (path.name, ", ".join(bad))


def _parents(tree):
    parent = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parent[child] = node
    return parent


def _guarded(node, parent, src):
    attr = node
    while node in parent:
        node = parent[node]
        if isinstance(node, (ast.If, ast.IfExp, ast.While)):
            if any(w in ast.get_source_segment(src, node.test) for w in GUARD_WORDS):
                return True
        if isinstance(node, ast.BoolOp) and any(w in ast.get_source_segment(src, node) for w in GUARD_WORDS):
            return True
        if isinstance(node, ast.Try):
            for h in node.handlers:
                names = ast.get_source_segment(src, h.type) if h.type is not None else "BaseException"
                if "AttributeError" in names or "Exception" == names:
                    return True
        if isinstance(node, ast.FunctionDef) and isinstance(attr, ast.Attribute):
            body = ast.get_source_segment(src, node)
            # an early `if not hasattr(os, "NAME"): return fallback()` in the function
            if 'hasattr(%s, "%s")' % (attr.value.id, attr.attr) in body:
                return True
        if isinstance(node, (ast.FunctionDef, ast.Lambda)) and any(
                isinstance(d, ast.Name) and d.id == "linux_only" for d in getattr(node, "decorator_list", ())):
            return True
    return False


@pytest.mark.parametrize("path", _modules("runtime/host"), ids=lambda p: str(p.relative_to(ROOT)))
def test_host_layer_uses_only_calls_macos_has(path):
    src = path.read_text()
    tree = ast.parse(src, str(path))
    parent = _parents(tree)
    bad = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            names = LINUX_ONLY.get(node.value.id)
            if names and node.attr in names and not _guarded(node, parent, src):
                bad.append("%d: %s.%s" % (node.lineno, node.value.id, node.attr))
    assert not bad, "%s uses Linux-only host calls without a guard: %s" % (path.name, ", ".join(bad))


def test_the_checks_see_a_violation():
    """The two checks above must be able to fail."""
    tree = ast.parse("import os\nos.pipe2(0)\nif hasattr(os, 'pipe2'):\n    os.pipe2(0)\n")
    parent = _parents(tree)
    src = "import os\nos.pipe2(0)\nif hasattr(os, 'pipe2'):\n    os.pipe2(0)\n"
    hits = [n for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr == "pipe2"]
    assert [_guarded(n, parent, src) for n in sorted(hits, key=lambda n: n.lineno)] == [False, True]
    assert [m for _l, m in _imports(ast.parse("import socket\nfrom lxpack.runtime.host import posix"))] == \
        ["socket", "lxpack.runtime.host"]


@pytest.mark.parametrize("path", _modules("runtime/vmm"), ids=lambda p: str(p.relative_to(ROOT)))
def test_vmm_never_imports_the_unikernel(path):
    """runtime.vmm knows CPUs and memory, not Linux: it sits below the
    unikernel (it may use lxpack.abi's numbers and the host layer's fds)."""
    tree = ast.parse(path.read_text(), str(path))
    bad = ["%d: %s" % (line, mod) for line, mod in _imports(tree)
           if mod == "lxpack.unikernel" or mod.startswith("lxpack.unikernel.")]
    bad += ["%d: from lxpack import unikernel" % n.lineno for n in ast.walk(tree)
            if isinstance(n, ast.ImportFrom) and n.module == "lxpack" and any(a.name == "unikernel" for a in n.names)]
    assert not bad, "%s imports the unikernel: %s" % (path.name, ", ".join(bad))
