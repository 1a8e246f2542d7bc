"""The bundle tree in memory, and its two reproducible materialisations.

Owns: Tree, the sorted set of nodes a bundle holds (paths relative to the
bundle's Contents directory: Info.plist, MacOS/NAME, Resources/...), each a
file (from a host file or bytes), a symlink or a directory; which files
are stored once (identical content and mode: the first in path order is the
file, the others hard links to it); writing it into a directory (the given
modes, fixed mtimes, symlinks as symlinks, hard links as hard links) and as
a tar stream (sorted, mtime fixed, uid/gid 0, no user or group names, PAX
format for long paths, hard links as link entries). Nothing written depends
on the time, the user or the host name, so the same inputs give the same
bytes. Extended attributes are never written (see docs/PACKAGING.md).

Imports: packager.progress (duck-typed), lxpack.errors.
"""
from __future__ import annotations

import io
import os
import tarfile
from dataclasses import dataclass

from lxpack.errors import PackError

MTIME = 0  # every file, link and directory of a bundle
CHUNK = 1 << 20


@dataclass(frozen=True)
class Node:
    path: str  # relative, '/'-separated
    type: str  # "file" | "link" | "dir" | "hardlink" (made by nodes())
    mode: int = 0o644
    source: str | None = None  # host file (type "file")
    data: bytes | None = None  # or literal content
    target: str | None = None  # type "link": the text; "hardlink": the path of the file
    size: int = 0
    digest: str | None = None  # sha256 of the content, when known: identical files are linked


class Tree:
    """Nodes by path; parent directories are implied (mode 0755)."""

    def __init__(self):
        self._nodes: dict[str, Node] = {}

    def _put(self, node: Node) -> None:
        if node.path.startswith("/") or ".." in node.path.split("/") or not node.path:
            raise ValueError("bad bundle path %r" % node.path)
        have = self._nodes.get(node.path)
        if have is not None and not (have.type == node.type == "dir"):
            raise PackError("two different files would land at %s in the bundle" % node.path)
        self._nodes[node.path] = node

    def add_bytes(self, path: str, data: bytes, mode: int = 0o644) -> None:
        self._put(Node(path, "file", mode, data=data, size=len(data)))

    def add_file(self, path: str, source: str, mode: int, size: int, digest: str | None = None) -> None:
        self._put(Node(path, "file", mode, source=source, size=size, digest=digest))

    def add_link(self, path: str, target: str) -> None:
        self._put(Node(path, "link", 0o777, target=target))

    def add_dir(self, path: str) -> None:
        self._put(Node(path, "dir", 0o755))

    def nodes(self) -> list[Node]:
        """All nodes, parents included, sorted by path (a parent sorts before
        its children). A file with the same content and mode as an earlier
        one is a "hardlink" node whose target is that file's path; empty
        files are left alone (nothing to save)."""
        out = dict(self._nodes)
        for path in list(self._nodes):
            parent = path.rpartition("/")[0]
            while parent and parent not in out:
                out[parent] = Node(parent, "dir", 0o755)
                parent = parent.rpartition("/")[0]
        ordered = [out[p] for p in sorted(out, key=lambda p: p.split("/"))]
        first: dict[tuple[str, int], str] = {}
        for i, n in enumerate(ordered):
            if n.type != "file" or n.digest is None or n.size == 0:
                continue
            key = (n.digest, n.mode)
            if key in first:
                ordered[i] = Node(n.path, "hardlink", n.mode, target=first[key], size=n.size)
            else:
                first[key] = n.path
        return ordered

    def total_bytes(self) -> int:
        """Bytes the writers copy (each stored file once)."""
        return sum(n.size for n in self.nodes() if n.type == "file")

    def total_files(self) -> int:
        """Files the writers copy (each stored file once)."""
        return sum(1 for n in self.nodes() if n.type == "file")


def _copy_stream(node: Node, dst, progress) -> None:
    if node.data is not None:
        dst.write(node.data)
        progress.advance(len(node.data))
        return
    try:
        with open(node.source, "rb") as src:
            while True:
                chunk = src.read(CHUNK)
                if not chunk:
                    break
                dst.write(chunk)
                progress.advance(len(chunk))
    except OSError as e:
        if e.filename == node.source or e.filename is None:
            raise PackError("cannot read %s: %s" % (node.source, e.strerror or e)) from None
        raise


def write_dir(tree: Tree, dest: str, progress) -> None:
    """Materialise `tree` under the existing directory `dest` (whose own mtime
    is left alone: it is the user's output, and build tools compare it)."""
    nodes = tree.nodes()
    for node in nodes:
        path = os.path.join(dest, *node.path.split("/"))
        if node.type == "dir":
            os.makedirs(path, exist_ok=True)
        elif node.type == "link":
            os.symlink(node.target, path)
        elif node.type == "hardlink":
            os.link(os.path.join(dest, *node.target.split("/")), path)
        else:
            with open(path, "wb") as f:
                _copy_stream(node, f, progress)
            progress.file_done()
        if node.type in ("dir", "file"):
            os.chmod(path, node.mode)
    for node in reversed(nodes):  # children before parents: their mtimes stick
        path = os.path.join(dest, *node.path.split("/"))
        os.utime(path, (MTIME, MTIME), follow_symlinks=False)


def write_tar(tree: Tree, fileobj, progress) -> None:
    """Write `tree` as a tar stream (PAX) to the binary file object `fileobj`.

    A `fileobj` with tell() is written to unbuffered, and one with
    begin_member(data_size) is told where each member starts (the one-file
    writer cuts its compressed pieces there)."""
    begin = getattr(fileobj, "begin_member", None)
    mode = "w" if hasattr(fileobj, "tell") else "w|"
    with tarfile.open(fileobj=fileobj, mode=mode, format=tarfile.PAX_FORMAT) as tar:
        for node in tree.nodes():
            if begin is not None:
                begin(node.size if node.type == "file" else 0)
            info = tarfile.TarInfo(node.path)
            info.mtime = MTIME
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.mode = node.mode
            if node.type == "dir":
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            elif node.type == "link":
                info.type = tarfile.SYMTYPE
                info.linkname = node.target
                tar.addfile(info)
            elif node.type == "hardlink":
                info.type = tarfile.LNKTYPE
                info.linkname = node.target
                tar.addfile(info)
            else:
                info.size = node.size
                tar.addfile(info, _Reader(node, progress))
                progress.file_done()


class _Reader(io.RawIOBase):
    """A file object over a node's content that reports progress as tar reads it."""

    def __init__(self, node: Node, progress):
        super().__init__()
        self._node = node
        self._progress = progress
        self._buf = io.BytesIO(node.data) if node.data is not None else None
        if self._buf is None:
            try:
                self._f = open(node.source, "rb")
            except OSError as e:
                raise PackError("cannot read %s: %s" % (node.source, e.strerror or e)) from None
        self._left = node.size

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        src = self._buf if self._buf is not None else self._f
        data = src.read(n if n is not None and n >= 0 else self._left)
        if len(data) < min(n, self._left) and n >= 0:
            raise PackError("%s changed size while being packed" % self._node.source)
        self._left -= len(data)
        self._progress.advance(len(data))
        if not self._left and self._buf is None:
            self._f.close()
        return data
