"""The one-file writer: a POSIX sh header (templates/onefile_header.sh.j2)
followed by an xz-compressed tar of the tree.

Owns: the payload's compression, its content hash (the first 32 hex digits
of the payload's sha256, naming the per-user cache directory the header
extracts into) and the header's byte offset of the payload (`tail -c +N`).
The hash has a fixed width, so the header is rendered once at the right
length, the payload streamed after it, and the header rewritten in place
with the real hash.

Why xz (and not gzip or zstd): every Mac can unpack it without anything
installed -- macOS's /usr/bin/tar is bsdtar (libarchive), which reads xz
itself -- and Linux has the `xz` program nearly everywhere (GNU tar calls it
too), with python3's tarfile+lzma as the last resort; the encoder is in
Python's standard library (lzma), so packing needs no new dependency.
zstd would pack faster but has no decoder on a stock Mac. Preset 3, not
xz's default 6: on a Python or JDK tree it makes the payload about a quarter
smaller than gzip -6 did, and 6 only a tenth smaller again for three times
the CPU time (docs/PACKAGING.md has the numbers); a first pack on a fresh
CI machine should not take minutes.

The tar stream is cut into pieces, each compressed on its own into a
complete .xz stream, and the streams are concatenated (valid .xz; xz,
libarchive and Python's lzma all read concatenated streams). A member of
BIG bytes or more is a piece of its own (cut every CHUNK bytes), smaller
members are grouped into pieces of about CHUNK bytes, cut only between
members. The pieces are compressed on a thread per CPU (liblzma releases
the GIL), and the compressed form of each piece of BIG bytes or more is
kept in a per-user cache keyed by its content (at most CACHE_MAX bytes,
least recently used first out), so packing the same JDK or libunicorn
again costs a hash. The cut points depend only on the tar stream, so the output is
the same bytes whatever the number of threads or the state of the cache.

Imports: packager.atomic, packager.render, packager.tree.
"""
from __future__ import annotations

import concurrent.futures
import functools
import hashlib
import lzma
import os
import time

import lxpack
from lxpack.packager import atomic, render, tree as tree_mod

HASH_LEN = 32
PRESET = 3
# 16 MiB: four times preset 3's dictionary (little ratio lost at the cuts), and
# small enough that a runtime-only bundle (~30 MB) is already two pieces.
CHUNK = 16 << 20
BIG = 4 << 20  # members this size or more get pieces of their own (and the cache)
CACHE_DAYS = 30  # cached pieces unused this long are removed
CACHE_MAX = 2 << 30  # and the least recently used beyond this many bytes


def cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "lxpack", "xz-pieces")


@functools.lru_cache(maxsize=1)
def _encoder_id() -> str:
    """Names this liblzma encoder and preset, so a cache never mixes the
    output of two encoder versions (which may differ in bytes)."""
    probe = b"".join(b"lxpack %d %s\n" % (i, bytes(range(i % 256))) for i in range(2048))
    return "p%d-%s" % (PRESET, hashlib.sha256(lzma.compress(probe, preset=PRESET)).hexdigest()[:12])


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


def _compress(piece: bytes) -> bytes:
    return lzma.compress(piece, format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC64, preset=PRESET)


def _compress_cached(piece: bytes) -> bytes:
    """_compress(piece), from the cache when it has it (checked: a damaged
    entry is recompressed). The cache is an optimisation: any OSError in it
    is ignored."""
    key = hashlib.sha256(piece).hexdigest()
    path = os.path.join(cache_dir(), _encoder_id(), key[:2], key + ".xz")
    try:
        with open(path, "rb") as f:
            data = f.read()
        if hashlib.sha256(lzma.decompress(data)).hexdigest() == key:
            os.utime(path)  # recently used: kept by prune_cache
            return data
    except (OSError, lzma.LZMAError):
        pass
    data = _compress(piece)
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        part = "%s.part-%d-%d" % (path, os.getpid(), id(piece))
        with open(part, "wb") as f:
            f.write(data)
        os.replace(part, path)
    except OSError:
        pass
    return data


def prune_cache(now: float | None = None, max_bytes: int = CACHE_MAX) -> None:
    """Remove cached pieces unused for CACHE_DAYS (other encoders' too), then
    the least recently used ones until the cache holds at most max_bytes."""
    limit = (now or time.time()) - CACHE_DAYS * 86400
    kept = []
    for dirpath, _, filenames in os.walk(cache_dir()):
        for f in filenames:
            p = os.path.join(dirpath, f)
            try:
                st = os.stat(p)
                if st.st_mtime < limit:
                    os.unlink(p)
                else:
                    kept.append((st.st_mtime, st.st_size, p))
            except OSError:
                pass
    total = sum(size for _, size, _ in kept)
    for _, size, p in sorted(kept):
        if total <= max_bytes:
            break
        try:
            os.unlink(p)
        except OSError:
            pass
        total -= size


class XzChunkWriter:
    """A binary file object for tarfile ("w" mode: it needs tell()) that
    xz-compresses what is written to it piece by piece (see the module
    docstring), in parallel, writing the streams in order to `sink`.
    write_tar calls begin_member(size) before each member."""

    def __init__(self, sink, threads: int | None = None, cache: bool = True):
        self._sink = sink
        self._buf = bytearray()
        self._solo = False  # the buffer holds (part of) one big member
        self._offset = 0
        self._cache = cache
        self._threads = max(1, threads or os.cpu_count() or 1)
        self._pool = concurrent.futures.ThreadPoolExecutor(self._threads)
        self._pending: list[concurrent.futures.Future] = []
        self._wrote_any = False

    def tell(self) -> int:
        return self._offset

    def begin_member(self, size: int) -> None:
        if size >= BIG or self._solo or len(self._buf) >= CHUNK:
            self._cut()
        self._solo = size >= BIG

    def write(self, data) -> int:
        self._buf += data
        self._offset += len(data)
        while self._solo and len(self._buf) >= CHUNK:
            piece = bytes(self._buf[:CHUNK])
            del self._buf[:CHUNK]
            self._submit(piece)
        return len(data)

    def _cut(self) -> None:
        if self._buf:
            self._submit(bytes(self._buf))
            self._buf.clear()

    def _submit(self, piece: bytes) -> None:
        fn = _compress_cached if self._cache and len(piece) >= BIG else _compress
        self._pending.append(self._pool.submit(fn, piece))
        self._wrote_any = True
        while len(self._pending) > self._threads:  # bound the memory held
            self._sink.write(self._pending.pop(0).result())

    def flush(self) -> None:
        pass

    def close(self) -> None:
        """Compress what is left and write every stream (one, even for no data)."""
        try:
            self._cut()
            if not self._wrote_any:
                self._submit(b"")
            while self._pending:
                self._sink.write(self._pending.pop(0).result())
        finally:
            self.abort()

    def abort(self) -> None:
        self._pending.clear()
        self._pool.shutdown(wait=True, cancel_futures=True)


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
            xz = XzChunkWriter(sink)
            try:
                tree_mod.write_tar(tree, xz, progress)
            except BaseException:
                xz.abort()
                raise
            xz.close()
            prune_cache()
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
