"""The dir writer: OUT/<the tree> (OUT/MacOS/NAME is the launcher).

Imports: packager.atomic, packager.tree.
"""
from __future__ import annotations

import os

from lxpack.packager import atomic, tree as tree_mod


def write(tree: tree_mod.Tree, out: str, force: bool, progress) -> str:
    with atomic.atomic_output(out, directory=True, force=force) as tmp:
        tree_mod.write_dir(tree, tmp, progress)
    return os.path.abspath(out)
