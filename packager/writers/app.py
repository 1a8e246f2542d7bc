"""The .app writer: OUT/Contents/<the tree>, a macOS application bundle.

Imports: packager.atomic, packager.tree.
"""
from __future__ import annotations

import os

from lxpack.packager import atomic, tree as tree_mod


def write(tree: tree_mod.Tree, out: str, force: bool, progress) -> str:
    with atomic.atomic_output(out, directory=True, force=force) as tmp:
        contents = os.path.join(tmp, "Contents")
        os.mkdir(contents)
        tree_mod.write_dir(tree, contents, progress)
        os.utime(contents, (tree_mod.MTIME, tree_mod.MTIME))
    return os.path.abspath(out)
