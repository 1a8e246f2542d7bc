"""Packing the same input twice gives byte-identical bundles, in every
format: same entries, bytes, modes, link targets and fixed mtimes."""
import hashlib
import os
import stat

import pytest

from lxpack.packager.pack import PackOptions, pack
from lxpack.packager.tree import MTIME


def snapshot(top):
    """Everything about a tree that a reproducible bundle must keep equal."""
    out = []
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames.sort()
        for name in sorted(dirnames + filenames):
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            rel = os.path.relpath(p, top)
            if stat.S_ISLNK(st.st_mode):
                out.append((rel, "link", os.readlink(p), st.st_mtime))
            elif stat.S_ISDIR(st.st_mode):
                out.append((rel, "dir", oct(st.st_mode), st.st_mtime))
            else:
                with open(p, "rb") as f:
                    digest = hashlib.sha256(f.read()).hexdigest()
                out.append((rel, "file", oct(st.st_mode), digest, st.st_mtime))
    return out


@pytest.mark.parametrize("fmt,out", [("app", "T.app"), ("dir", "T"), ("onefile", "T.run")])
def test_two_packs_are_byte_identical(closure_samples, tmp_path, fmt, out):
    s = closure_samples
    results = []
    for i in (1, 2):
        d = tmp_path / str(i)
        d.mkdir()
        pack(PackOptions(program=str(s["dlopen_main"].program), output=str(d / out), format=fmt,
                         includes=[str(s.plugin_dir)], env=["A=1"]))
        results.append(d / out)
    a, b = results
    if fmt == "onefile":
        assert a.read_bytes() == b.read_bytes()
        assert os.stat(a).st_mode & 0o777 == 0o755
    else:
        snap_a, snap_b = snapshot(a), snapshot(b)
        assert snap_a == snap_b
        assert all(e[-1] == MTIME for e in snap_a)
        modes = {e[2] for e in snap_a if e[1] != "link"}
        assert modes <= {"0o40755", "0o100755", "0o100644"}


def test_onefile_payload_is_a_deterministic_tar(closure_samples, tmp_path):
    import io
    import lzma
    import tarfile
    pack(PackOptions(program=str(closure_samples.hello), output=str(tmp_path / "h.run")))
    data = (tmp_path / "h.run").read_bytes()
    marker = b"__LXPACK_ARCHIVE_BELOW__\n"
    header, payload = data.split(marker, 1)
    text = (header + marker).decode()
    skip = int(text.split("lxpack_skip=")[1].split("\n")[0])
    assert skip == len(header + marker) + 1
    h = text.split("lxpack_hash=")[1].split("\n")[0]
    assert h == hashlib.sha256(payload).hexdigest()[:32]
    assert payload.startswith(b"\xfd7zXZ\0")  # xz (concatenated streams: lzma reads them all)
    with tarfile.open(fileobj=io.BytesIO(lzma.decompress(payload))) as tar:
        members = tar.getmembers()
    names = [m.name for m in members]
    assert names == sorted(names, key=lambda n: n.split("/"))
    assert all(m.mtime == 0 and m.uid == 0 and m.gid == 0 and not m.uname for m in members)
    assert "MacOS/h" in names and "Resources/lxpack/manifest.json" in names
    assert "Info.plist" in names
