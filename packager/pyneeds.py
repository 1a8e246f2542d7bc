"""Which standard-library files the bundled runtime can import, found in its code.

Owns: the import closure of the code a bundle runs (run.py, the vendored
lxpack runtime, elftools, unicorn) over a given standard library: every
`import`/`from ... import` in each module (inside functions, `try` and `if`
blocks too: a branch taken only on a Mac must find its module there), plus
`importlib.import_module` / `__import__` of a string literal or of the
variable of a `for` over a literal tuple of names; each module found is
read in turn. A name with no .py file is kept as an extension module when
lib-dynload has one of that name (else it is built in, or of another OS).
The interpreter itself imports `site` and the `encodings` package (all of
it: codecs are looked up by name at run time) before any of that code.

packager.pydist strips an embedded CPython down to this closure;
tests/packager/test_python_dist.py checks it against what the runtime
really imports under `python -X importtime` on both backends.

The scan is syntactic (ast); a file the packing Python cannot parse (newer
syntax in a newer stdlib) falls back to a line scan of its import
statements.

Imports: nothing of lxpack.
"""
from __future__ import annotations

import ast
import os
import re

STARTUP = ("site", "encodings")  # imported by the interpreter before run.py
# Where the closure stops: packages and modules reached only through test,
# debugging, documentation or GUI helpers of other modules (`def _test():
# import doctest`, pydoc's help(), tkinter dialogs), never by a running
# bundle. Following them would triple the closure (test alone is 30 MB);
# the importtime test checks that the runtime imports none of them.
NEVER = frozenset({"test", "idlelib", "tkinter", "turtle", "turtledemo", "ensurepip", "lib2to3",
                   "pydoc", "pydoc_data", "doctest", "unittest", "pdb", "bdb", "distutils", "venv",
                   "xmlrpc", "_testcapi", "_testinternalcapi", "_testbuffer", "_testimportmultiple",
                   "_testmultiphase", "_tkinter", "__phello__", "_xxtestfuzz", "xxlimited", "xxsubtype"})
_FROM_LINE = re.compile(r"^[ \t]*from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]+)", re.M)
_IMPORT_LINE = re.compile(r"^[ \t]*import[ \t]+([^\n#;]+)", re.M)
_DYNAMIC = ("import_module", "__import__")
_MAIN_BLOCK = re.compile(r"""^if\s+__name__\s*==\s*['"]__main__['"]\s*:[^\n]*\n""", re.M)
_TOP_LEVEL = re.compile(r"^[^\s#]", re.M)


class Stdlib:
    """A standard library directory (lib/pythonX.Y) and its lib-dynload."""

    def __init__(self, libdir: str, dynload: str | None = None):
        self.libdir = libdir
        self.dynload = dynload or os.path.join(libdir, "lib-dynload")
        self._ext = {}
        if os.path.isdir(self.dynload):
            for f in os.listdir(self.dynload):
                if f.endswith(".so"):
                    self._ext.setdefault(f.split(".", 1)[0], []).append(os.path.join(self.dynload, f))

    def find(self, name: str) -> tuple[str | None, bool]:
        """(source file, is_package) of a module, or (None, False)."""
        base = os.path.join(self.libdir, *name.split("."))
        init = os.path.join(base, "__init__.py")
        if os.path.isfile(init):
            return init, True
        if os.path.isfile(base + ".py"):
            return base + ".py", False
        return None, False

    def extension(self, name: str) -> list[str]:
        return self._ext.get(name, []) if "." not in name else []

    def package_modules(self, name: str) -> list[str]:
        """Every module of a package directory (for STARTUP packages)."""
        top = os.path.join(self.libdir, *name.split("."))
        out = []
        for f in sorted(os.listdir(top)):
            if f.endswith(".py") and f != "__init__.py":
                out.append("%s.%s" % (name, f[:-3]))
        return out


def imports_of(source: bytes, module: str, is_package: bool, precise: bool = True) -> set[str]:
    """Absolute names a module's source may import (prefixes included).
    `precise` parses it (ast: also the dynamic imports above); otherwise
    (and for a file this Python cannot parse) the import statements are read
    line by line, which errs on the side of keeping (the imports of test
    helpers inside functions too: 435 stdlib modules instead of 193 for the
    runtime on 3.11). Either way the imports of an
    `if __name__ == "__main__":` block at the top level are not followed:
    they run only when the module is a script."""
    text = source.decode("utf-8", "replace")
    if not precise:
        return _imports_by_lines(text, module, is_package)
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return _imports_by_lines(text, module, is_package)
    found: set[str] = set()
    nodes = [n for n in tree.body if not _is_main_block(n)]
    # Import statements are statements: walking statement lists only is three
    # times faster than ast.walk; expressions are walked only in a module that
    # names a dynamic import.
    dynamic = b"import_module" in source or b"__import__" in source
    walk = (lambda top: ast.walk(top)) if dynamic else _statements
    for node in (sub for top in nodes for sub in walk(top)):
        if isinstance(node, ast.Import):
            for a in node.names:
                found.add(a.name)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(node.module, node.level, module, is_package)
            if base is None:
                continue
            found.add(base)
            for a in node.names:
                if a.name != "*":
                    found.add("%s.%s" % (base, a.name))  # kept only if it is a module
        elif isinstance(node, ast.Call) and _is_dynamic(node.func) and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.add(arg.value)
        elif isinstance(node, ast.For) and isinstance(node.target, ast.Name) \
                and isinstance(node.iter, (ast.Tuple, ast.List)):
            names = [e.value for e in node.iter.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
            if names and _loop_imports(node, node.target.id):
                found.update(names)
    return _with_prefixes(found)


def _statements(node):
    """node and every statement nested in it (bodies, branches, handlers)."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            sub = getattr(n, name, None)
            if isinstance(sub, list):
                stack.extend(sub)


def _is_main_block(node) -> bool:
    t = node.test if isinstance(node, ast.If) else None
    return (isinstance(t, ast.Compare) and isinstance(t.left, ast.Name) and t.left.id == "__name__"
            and len(t.comparators) == 1 and isinstance(t.comparators[0], ast.Constant)
            and t.comparators[0].value == "__main__")


def _is_dynamic(func) -> bool:
    return (isinstance(func, ast.Attribute) and func.attr in _DYNAMIC) or \
        (isinstance(func, ast.Name) and func.id in _DYNAMIC)


def _loop_imports(loop: ast.For, var: str) -> bool:
    for node in ast.walk(loop):
        if isinstance(node, ast.Call) and _is_dynamic(node.func) and node.args \
                and isinstance(node.args[0], ast.Name) and node.args[0].id == var:
            return True
    return False


def _resolve(mod: str | None, level: int, current: str, is_package: bool) -> str | None:
    if level == 0:
        return mod
    parts = current.split(".")
    if not is_package:
        parts = parts[:-1]
    if level - 1 > len(parts):
        return None
    parts = parts[:len(parts) - (level - 1)]
    if mod:
        parts.append(mod)
    return ".".join(parts) or None


def _imports_by_lines(text: str, module: str, is_package: bool) -> set[str]:
    found: set[str] = set()
    main = _MAIN_BLOCK.search(text)
    if main:  # up to the next line at column 0 that is code
        rest = _TOP_LEVEL.search(text, main.end())
        text = text[:main.start()] + (text[rest.start():] if rest else "")
    for m in _IMPORT_LINE.finditer(text):
        for part in m.group(1).split(","):
            name = part.split(" as ")[0].strip()
            if re.match(r"^[\w.]+$", name):
                found.add(name)
    for m in _FROM_LINE.finditer(text):
        raw = m.group(1)
        level = len(raw) - len(raw.lstrip("."))
        base = _resolve(raw.lstrip(".") or None, level, module, is_package)
        if not base:
            continue
        found.add(base)
        for part in m.group(2).strip("()").split(","):
            name = part.split(" as ")[0].strip()
            if re.match(r"^\w+$", name):
                found.add("%s.%s" % (base, name))
    return _with_prefixes(found)


def _with_prefixes(names: set[str]) -> set[str]:
    out = set()
    for n in names:
        parts = n.split(".")
        for i in range(1, len(parts) + 1):
            out.add(".".join(parts[:i]))
    return out


class Closure:
    """The result: stdlib modules (name -> source file), extension module
    files, and the names found nowhere (built-in, or another OS's)."""

    def __init__(self):
        self.modules: dict[str, str] = {}
        self.extensions: dict[str, list[str]] = {}
        self.unresolved: set[str] = set()

    def files(self) -> set[str]:
        out = set(self.modules.values())
        for fs in self.extensions.values():
            out.update(fs)
        return out


def closure(roots: list[tuple[str, bytes, bool]], stdlib: Stdlib, own_packages: tuple[str, ...] = ()) -> Closure:
    """The stdlib closure of `roots` ((module name, source, is_package) of the code that
    travels). Names under `own_packages` (lxpack, elftools, unicorn) are the
    roots' own and are not looked up in the stdlib."""
    result = Closure()
    pending: list[str] = list(STARTUP)
    for name in STARTUP:
        if stdlib.find(name)[1]:
            pending.extend(stdlib.package_modules(name))
    for mod, src, is_pkg in roots:
        pending.extend(imports_of(src, mod, is_pkg))
    seen: set[str] = set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        if name.split(".")[0] in own_packages or name.split(".")[0] in NEVER:
            continue
        path, is_pkg = stdlib.find(name)
        if path is None:
            ext = stdlib.extension(name)
            if ext:
                result.extensions[name] = ext
            else:
                result.unresolved.add(name)
            continue
        result.modules[name] = path
        try:
            with open(path, "rb") as f:
                src = f.read()
        except OSError:
            continue
        pending.extend(imports_of(src, name, is_pkg))
    return result
