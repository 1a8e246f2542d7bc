"""lxpack.abi is the one home of Linux constants: no module under unikernel/
or runtime/ binds (at module or class level) a name that some lxpack.abi
module defines to an int expression of its own.

Caught: `O_CREAT = 0o100`, `F_DUPFD, F_GETFD = range(2)`,
`MAP_SHARED, MAP_PRIVATE = 1, 2`, `class X: PAGE_SIZE = 4096`. Not caught (and
fine): `from lxpack.abi.fcntl import O_CREAT`, `O_CREAT = F.O_CREAT`, locals
inside functions, names lxpack.abi does not define (IO_MAX, NR_MAX).

Exempt: host value tables whose names look like Linux ones but whose values
are the host's: macOS values translated by name in runtime/host/xlat.py, and
the kvm backend's own mmap/madvise flags for the Linux host it runs on (KVM
exists only there; the guest's never reach it).
"""
import ast
import importlib
import os
import pkgutil

import pytest

import lxpack.abi

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCANNED = ("unikernel", "runtime")

# Host value tables: host values under Linux-like names.
EXEMPT = {
    "runtime/host/macos_constants.py",  # macOS values
    "runtime/vmm/kvm/_abi.py",          # PROT_*, MAP_*, MADV_DONTNEED of the Linux host's own mmap
}


def abi_names():
    """Every public name an lxpack.abi module binds to an int."""
    names = set()
    for info in pkgutil.iter_modules(lxpack.abi.__path__):
        mod = importlib.import_module("lxpack.abi." + info.name)
        for name, value in vars(mod).items():
            if not name.startswith("_") and isinstance(value, int) and not isinstance(value, bool):
                names.add(name)
    return names


ABI_NAMES = abi_names()


def _int_expr(node):
    """An int literal, or an expression of int literals, names, unary and
    binary operators holding at least one int literal (`0o100`, `1 << 31`,
    `0o20000000 | O_DIRECTORY`)."""
    literal = []

    def ok(n):
        if isinstance(n, ast.Constant):
            if isinstance(n.value, int) and not isinstance(n.value, bool):
                literal.append(n)
                return True
            return False
        if isinstance(n, ast.Name):
            return True
        if isinstance(n, ast.UnaryOp):
            return ok(n.operand)
        if isinstance(n, ast.BinOp):
            return ok(n.left) and ok(n.right)
        return False
    return ok(node) and bool(literal)


def _bound_ints(target, value):
    """Names *target* binds to an int expression of *value*."""
    if isinstance(target, ast.Name):
        return [target.id] if value is not None and _int_expr(value) else []
    if isinstance(target, ast.Tuple):
        if isinstance(value, ast.Tuple):
            return [e.id for e, v in zip(target.elts, value.elts) if isinstance(e, ast.Name) and _int_expr(v)]
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "range":
            return [e.id for e in target.elts if isinstance(e, ast.Name)]
    return []


def private_copies(path):
    """[(line, name)] of module- and class-level bindings of abi names."""
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    bodies = [tree.body] + [c.body for c in ast.walk(tree) if isinstance(c, ast.ClassDef)]
    out = []
    for body in bodies:
        for node in body:
            if isinstance(node, ast.Assign):
                pairs = [(t, node.value) for t in node.targets]
            elif isinstance(node, ast.AnnAssign):
                pairs = [(node.target, node.value)]
            else:
                continue
            for target, value in pairs:
                out += [(node.lineno, n) for n in _bound_ints(target, value) if n in ABI_NAMES]
    return sorted(out)


def scanned_files():
    files = []
    for top in SCANNED:
        for dirpath, dirnames, filenames in os.walk(os.path.join(ROOT, top)):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            for fn in sorted(filenames):
                if fn.endswith(".py"):
                    rel = os.path.relpath(os.path.join(dirpath, fn), ROOT).replace(os.sep, "/")
                    if rel not in EXEMPT:
                        files.append(rel)
    return files


def _params():
    out = []
    for rel in scanned_files():
        out.append(pytest.param(rel, id=rel))
    return out


@pytest.mark.parametrize("rel", _params())
def test_no_private_copy_of_an_abi_constant(rel):
    found = private_copies(os.path.join(ROOT, rel))
    assert not found, "%s binds Linux constants lxpack.abi defines; import them instead:\n%s" % (
        rel, "\n".join("  line %d: %s" % lf for lf in found))


def test_lists_name_existing_files():
    for rel in EXEMPT:
        assert os.path.exists(os.path.join(ROOT, rel)), rel


def test_the_scan_catches_the_shapes_it_promises(tmp_path):
    src = ("O_CREAT = 0o100\nF_DUPFD, F_GETFD = range(2)\nMAP_SHARED, IO_MAX = 1, 16 << 20\n"
           "O_TMPFILE = 0o20000000 | O_DIRECTORY\nclass X:\n    PAGE_SIZE = 4096\n"
           "O_EXCL = F.O_EXCL\n\ndef f():\n    O_TRUNC = 0o1000\n")
    sample = tmp_path / "sample.py"
    sample.write_text(src)
    names = [n for _, n in private_copies(str(sample))]
    assert names == ["O_CREAT", "F_DUPFD", "F_GETFD", "MAP_SHARED", "O_TMPFILE", "PAGE_SIZE"]
