"""What travels inside bundles runs on Python 3.9 (macOS's own python3):
lxpack/__init__.py, lxpack/errors.py, lxpack/abi/, runtime/, unikernel/.

Three checks: vermin says nothing needs more than 3.9; no annotation that
3.9 evaluates at definition time uses `X | Y` (vermin's own union-types
detection is too noisy: it flags `os.O_RDONLY | os.O_CREAT`); and, where
a 3.9 interpreter is installed, every module of the vendored copy imports
under it whenever it imports under this Python."""
import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TRAVELLING = ["lxpack/__init__.py", "lxpack/errors.py", "lxpack/manifest.py", "lxpack/abi", "runtime", "unikernel"]
PY39 = "/root/.pyenv/versions/3.9.18/bin/python3"


def _py_files():
    for rel in TRAVELLING:
        p = REPO / rel
        if p.is_file():
            yield p
        else:
            yield from sorted(q for q in p.rglob("*.py") if "__pycache__" not in q.parts)


def test_vermin_says_3_9_is_enough():
    vermin = shutil.which("vermin") or os.path.join(os.path.dirname(sys.executable), "vermin")
    if not os.path.exists(vermin):
        pytest.skip("vermin is not installed (pip install vermin)")
    proc = subprocess.run([vermin, "-t=3.9-", "--violations", "--no-tips", "--eval-annotations",
                           *[str(REPO / r) for r in TRAVELLING]], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _evaluated_annotations(tree):
    """Annotations Python 3.9 evaluates when the def/class body runs."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            a = node.args
            for arg in a.posonlyargs + a.args + a.kwonlyargs + [a.vararg, a.kwarg]:
                if arg is not None and arg.annotation is not None:
                    yield arg.annotation
            if node.returns is not None:
                yield node.returns
        elif isinstance(node, ast.AnnAssign) and node.simple:
            yield node.annotation


def test_no_union_operator_in_evaluated_annotations():
    bad = []
    for path in _py_files():
        tree = ast.parse(path.read_text(), str(path))
        if any(isinstance(n, ast.ImportFrom) and n.module == "__future__"
               and any(a.name == "annotations" for a in n.names) for n in tree.body):
            continue
        for ann in _evaluated_annotations(tree):
            if any(isinstance(n, ast.BinOp) and isinstance(n.op, ast.BitOr) for n in ast.walk(ann)):
                bad.append("%s:%d" % (path.relative_to(REPO), ann.lineno))
    assert not bad, "X | Y annotations need Python 3.10 (add `from __future__ import annotations`): %s" % bad


_IMPORT_ALL = r"""
import importlib, json, pkgutil, sys, traceback
sys.path.insert(0, sys.argv[1])
import lxpack
names = ["lxpack", "lxpack.errors"]
for pkg in ("lxpack.abi", "lxpack.runtime", "lxpack.unikernel"):
    mod = importlib.import_module(pkg)
    names.append(pkg)
    names += [m.name for m in pkgutil.walk_packages(mod.__path__, pkg + ".")]
failed = {}
for name in names:
    try:
        importlib.import_module(name)
    except BaseException as e:
        failed[name] = "%s: %s" % (type(e).__name__, e)
print(json.dumps(failed))
"""


def _import_failures(python, pydir):
    proc = subprocess.run([python, "-s", "-E", "-B", "-c", _IMPORT_ALL, str(pydir)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not os.path.exists(PY39), reason="no Python 3.9 at %s" % PY39)
def test_vendored_code_imports_under_python_3_9(tmp_path):
    from lxpack.packager import vendor
    pydir = tmp_path / "python"
    for f in vendor.files():
        dest = pydir / f.dest
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f.source, dest)
    here = _import_failures(sys.executable, pydir)
    old = _import_failures(PY39, pydir)
    only_39 = {k: v for k, v in old.items() if k not in here}
    assert not only_39, only_39
