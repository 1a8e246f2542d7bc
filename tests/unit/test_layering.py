"""The layering rules of DESIGN.md, checked on the source (every import,
function-local ones included; relative imports resolved).

1. The unikernel reaches the host only through the host layer: its modules
   import no OS module (os, socket, select, fcntl, ctypes, subprocess...) and
   from lxpack only the ABI tables, itself, the host layer's interface
   (runtime.host.api) and the backend interface (runtime.vmm.base).
2. Inside the unikernel, kernel/ (processes, signals, memory, VFS) never
   imports syscall/ (the table and its handlers): the facade
   (unikernel/facade.py) puts them together.
3. The layers below the unikernel never import it, nor the composition root
   above it: runtime/ (host + vmm) imports neither lxpack.unikernel nor
   lxpack.launch.
4. The packager only writes files: it imports neither the runtime, nor the
   unikernel, nor the composition root.
5. The host layer uses only calls a macOS host also has: a Linux-only
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
               "weakref", "fnmatch", "sys", "traceback", "errno", "__future__", "re", "math", "enum", "marshal"}
UNIKERNEL_MAY_IMPORT = ("lxpack.abi", "lxpack.unikernel", "lxpack.runtime.host.api", "lxpack.runtime.vmm.base")
# Repository folder -> import package (pyproject.toml's package-dir).
PACKAGE_OF = {"lxpack": "lxpack", "packager": "lxpack.packager", "runtime": "lxpack.runtime",
              "launch": "lxpack.launch", "unikernel": "lxpack.unikernel"}
# Known exceptions to rules 2-4, each with its reason.
ALLOWED = {
    # A pure table (which paths a Mac has; no imports), guarded by ImportError:
    # the profile picker and the foreign-host VFS must agree on it.
    ("packager/profile_pick.py", "lxpack.unikernel.kernel.vfs.macview"),
}

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


def _imports(tree, package=None):
    """(line, module) for every import in tree. `from P import n` names
    P.n (a submodule or a name of P: either way P.n is inside P); relative
    imports are resolved against `package` (skipped without it)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield node.lineno, a.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module
            if node.level:
                if package is None:
                    continue
                parts = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            for a in node.names:
                yield node.lineno, base + "." + a.name if a.name != "*" else base


def _package(path):
    """The import package of the module at path (lxpack.runtime.host for runtime/host/posix.py)."""
    rel = path.relative_to(ROOT).parts
    return ".".join([PACKAGE_OF[rel[0]]] + list(rel[1:-1]))


def _module_imports(path):
    return list(_imports(ast.parse(path.read_text(), str(path)), _package(path)))


def _within(mod, prefixes):
    return any(mod == m or mod.startswith(m + ".") for m in prefixes)


@pytest.mark.parametrize("path", _modules("unikernel"), ids=lambda p: str(p.relative_to(ROOT)))
def test_unikernel_reaches_the_host_only_through_the_host_layer(path):
    bad = []
    for line, mod in _module_imports(path):
        top = mod.split(".")[0]
        if top == "lxpack":
            if not _within(mod, UNIKERNEL_MAY_IMPORT):
                bad.append("%d: %s" % (line, mod))
        elif top not in PURE_STDLIB:
            bad.append("%d: %s" % (line, mod))
    assert not bad, "%s imports what only the host layer may: %s" % (path.name, ", ".join(bad))


# (folder, what its modules must not import, the rule)
FORBIDDEN = [
    ("unikernel/kernel", ("lxpack.unikernel.syscall",), "kernel/ never imports syscall/ (the facade joins them)"),
    ("runtime", ("lxpack.unikernel", "lxpack.launch"), "runtime/ is below the unikernel and the composition root"),
    ("runtime/vmm", ("lxpack.unikernel", "lxpack.launch"), "vmm/ knows CPUs and memory, not Linux"),
    ("packager", ("lxpack.runtime", "lxpack.unikernel", "lxpack.launch"), "the packager only writes files"),
]


@pytest.mark.parametrize("folder,forbidden,rule", FORBIDDEN, ids=[f[0] for f in FORBIDDEN])
def test_lower_layers_never_import_upper_ones(folder, forbidden, rule):
    bad = []
    for path in _modules(folder):
        name = str(path.relative_to(ROOT))
        for line, mod in _module_imports(path):
            if _within(mod, forbidden) and not any(name == f and _within(mod, (m,)) for f, m in ALLOWED):
                bad.append("%s:%d: %s" % (name, line, mod))
    assert not bad, "%s: %s" % (rule, ", ".join(bad))


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
        ["socket", "lxpack.runtime.host.posix"]
    # a function-local import and a relative one are seen
    tree = ast.parse("def f():\n    from ..unikernel.syscall import table\n")
    assert [m for _l, m in _imports(tree, "lxpack.runtime")] == ["lxpack.unikernel.syscall.table"]
    assert not _within("lxpack.runtime.vmm.kvm", UNIKERNEL_MAY_IMPORT)
    assert _package(ROOT / "runtime" / "host" / "posix.py") == "lxpack.runtime.host"
