"""The one-file payload's xz pieces: the same bytes whatever the number of
threads and whether the per-user cache is cold, warm or damaged; every
concatenated stream is read back; the cache is pruned by age and size."""
import hashlib
import io
import lzma
import os
import random
import tarfile
import time

import pytest

from lxpack.packager.tree import Tree, write_tar
from lxpack.packager.writers import onefile


class _Quiet:
    def advance(self, n):
        pass

    def file_done(self):
        pass


CHUNK, BIG = 1 << 20, 256 << 10  # the real ones scaled down 16x: same cuts, faster


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(onefile, "CHUNK", CHUNK)
    monkeypatch.setattr(onefile, "BIG", BIG)
    return tmp_path / "cache/lxpack/xz-pieces"


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    """Small files, a big compressible one and a big random one (several pieces)."""
    d = tmp_path_factory.mktemp("payload")
    rnd = random.Random(7)
    t = Tree()
    for i in range(200):
        t.add_bytes("small/%03d.txt" % i, (b"line %d of a small file\n" % i) * rnd.randint(1, 40))
    big = d / "big.txt"
    big.write_bytes(b"".join(b"%08d the same words again and again\n" % i for i in range(25_000)))
    t.add_file("big/text", str(big), 0o644, os.path.getsize(big))
    noise = d / "noise.bin"
    noise.write_bytes(rnd.randbytes(CHUNK + (200 << 10)))
    t.add_file("big/noise", str(noise), 0o755, os.path.getsize(noise))
    t.add_bytes("z/last", b"the end\n")
    return t


def _payload(tree, threads, cache=True):
    out = io.BytesIO()
    xz = onefile.XzChunkWriter(out, threads=threads, cache=cache)
    write_tar(tree, xz, _Quiet())
    xz.close()
    return out.getvalue()


def test_same_bytes_whatever_threads_and_cache(tree, cache):
    cold = _payload(tree, 1)
    pieces = sorted(p for p in cache.rglob("*.xz"))
    assert len(pieces) >= 2  # at least the first CHUNK of big/noise and of big/text
    assert _payload(tree, 4) == cold  # warm cache, more threads
    for p in pieces:  # a damaged cache entry is recompressed, not used
        p.write_bytes(b"junk")
    assert _payload(tree, 2) == cold
    assert _payload(tree, 3, cache=False) == cold
    assert cold.count(b"\xfd7zXZ\0") >= 4  # several concatenated streams


def test_every_stream_is_read_back(tree, cache):
    data = _payload(tree, 2)
    with tarfile.open(fileobj=io.BytesIO(lzma.decompress(data))) as tar:
        names = tar.getnames()
        big = tar.extractfile("big/noise").read()
    assert names[-1] == "z/last" and "big/text" in names and len(names) == 200 + 3 + 3
    assert hashlib.sha256(big).digest() == hashlib.sha256(open(tree_source(tree, "big/noise"), "rb").read()).digest()
    # what the header's python3 fallback does
    with tarfile.open(fileobj=lzma.open(io.BytesIO(data)), mode="r|") as tar:
        assert [m.name for m in tar][-1] == "z/last"


def tree_source(tree, path):
    return next(n.source for n in tree.nodes() if n.path == path)


def test_an_empty_tree_is_one_valid_stream(cache):
    data = _payload(Tree(), 2)
    assert lzma.decompress(data).strip(b"\0") == b""


def test_prune_by_age_and_size(cache):
    d = cache / "p3-x" / "ab"
    d.mkdir(parents=True)
    now = time.time()
    for i, age_days in enumerate([40, 10, 5, 1]):
        p = d / ("%d.xz" % i)
        p.write_bytes(b"x" * 1000)
        os.utime(p, (now - age_days * 86400,) * 2)
    onefile.prune_cache(now=now, max_bytes=2000)
    assert sorted(p.name for p in d.iterdir()) == ["2.xz", "3.xz"]  # 40 days: too old; 10 days: over size
