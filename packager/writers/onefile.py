"""The one-file writer: a POSIX sh header (templates/onefile_header.sh.j2)
followed by a gzip'd tar of the tree.

Owns: the payload (gzip with mtime 0 and no file name, so it is
reproducible; compression level fixed), its content hash (the first 32 hex
digits of the payload's sha256, naming the per-user cache directory the
header extracts into) and the header's byte offset of the payload (`tail
-c +N`). The hash has a fixed width, so the header is rendered once at the
right length, the payload streamed after it, and the header rewritten in
place with the real hash.

Imports: packager.atomic, packager.render, packager.tree.
"""
from __future__ import annotations

import gzip
import hashlib
import os

import lxpack
from lxpack.packager import atomic, render, tree as tree_mod

HASH_LEN = 32
COMPRESSLEVEL = 6


def header(name: str, content_hash: str) -> bytes:
    """The sh header for a payload with this hash; its length does not depend on the hash."""
    skip = 0
    for _ in range(5):
        text = render.render("onefile_header.sh.j2", name=name, content_hash=content_hash,
                             skip=skip, lxpack_version=lxpack.__version__)
        if skip == len(text) + 1:
            return text
        skip = len(text) + 1
    raise AssertionError("one-file header length does not settle")


class _HashingWriter:
    def __init__(self, f):
        self._f = f
        self.sha = hashlib.sha256()

    def write(self, data) -> int:
        self.sha.update(data)
        return self._f.write(data)

    def flush(self) -> None:
        self._f.flush()


def write(tree: tree_mod.Tree, out: str, force: bool, progress) -> str:
    name = _launcher_name(tree)
    with atomic.atomic_output(out, directory=False, force=force) as tmp:
        placeholder = header(name, "0" * HASH_LEN)
        with open(tmp, "r+b") as f:
            f.write(placeholder)
            sink = _HashingWriter(f)
            with gzip.GzipFile(filename="", mode="wb", fileobj=sink, mtime=0,
                               compresslevel=COMPRESSLEVEL) as gz:
                tree_mod.write_tar(tree, gz, progress)
            real = header(name, sink.sha.hexdigest()[:HASH_LEN])
            assert len(real) == len(placeholder)
            f.seek(0)
            f.write(real)
    return os.path.abspath(out)


def _launcher_name(tree: tree_mod.Tree) -> str:
    for node in tree.nodes():
        if node.path.startswith("MacOS/") and node.path.count("/") == 1:
            return node.path.split("/", 1)[1]
    raise AssertionError("bundle tree without a launcher")
