"""Names that differ only in case collide on a Mac disk (case-insensitive
APFS/HFS+). A bundle stores each such name but the first (sorted) under
`<name>.lxpack-case<N>`, lists the renamed components in the manifest's
`case_renamed`, and so holds no two names in one directory that a Mac would
take as one -- in the dir/app trees and in the one-file archive."""
import io
import json
import lzma
import os
import tarfile
from pathlib import Path

import pytest

from lxpack.packager import casefold
from lxpack.packager.pack import PackOptions, pack

RES = "Contents/Resources"


@pytest.fixture
def mixed(tmp_path):
    """--include tree with A/a files, D/d directories (with their own A/a
    inside d), a name already ending in .lxpack-case1, and a link through d."""
    top = tmp_path / "mixed"
    top.mkdir()
    (top / "A").write_text("upper\n")
    (top / "a").write_text("lower\n")
    (top / "D").mkdir()
    (top / "D/f").write_text("in D\n")
    (top / "d").mkdir()
    (top / "d/f").write_text("in d\n")
    (top / "d/X").write_text("X in d\n")
    (top / "d/x").write_text("x in d\n")
    (top / "a.lxpack-case1").write_text("a real file of that name\n")
    os.symlink("d/f", top / "to_d")
    return top


def _assert_no_fold_collisions(names_by_dir):
    for d, names in names_by_dir.items():
        folded = [casefold.fold(n) for n in names]
        assert len(folded) == len(set(folded)), (d, sorted(names))


def _dirs_of_tree(top):
    out = {}
    for dirpath, dirnames, filenames in os.walk(top):
        out[dirpath] = dirnames + filenames
    return out


@pytest.mark.parametrize("fmt,out,contents", [("dir", "T", ""), ("app", "T.app", "Contents")])
def test_colliding_names_are_stored_renamed(hello, mixed, tmp_path, fmt, out, contents):
    pack(PackOptions(program=str(hello), output=str(tmp_path / out), format=fmt, includes=[str(mixed)],
                     macos=False))
    res = tmp_path / out / contents / "Resources"
    m = json.loads((res / "lxpack/manifest.json").read_text())
    t = str(mixed)
    assert m["case_renamed"] == {
        t + "/a": t + "/a.lxpack-case2",  # case1 is taken by a real file
        t + "/d": t + "/d.lxpack-case1",
        t + "/d/x": t + "/d.lxpack-case1/x.lxpack-case1",
    }
    inside = res / "root" / t.lstrip("/")
    assert (inside / "A").read_text() == "upper\n"
    assert (inside / "a.lxpack-case2").read_text() == "lower\n"
    assert (inside / "a.lxpack-case1").read_text() == "a real file of that name\n"
    assert (inside / "D/f").read_text() == "in D\n"
    assert (inside / "d.lxpack-case1/f").read_text() == "in d\n"
    assert (inside / "d.lxpack-case1/X").read_text() == "X in d\n"
    assert (inside / "d.lxpack-case1/x.lxpack-case1").read_text() == "x in d\n"
    assert os.readlink(inside / "to_d") == "d/f"  # link text verbatim: the runtime maps it
    _assert_no_fold_collisions(_dirs_of_tree(res / "root"))
    # the closure lists original paths
    paths = {e["path"] for e in m["closure"]}
    assert {t + "/a", t + "/d/f", t + "/d/x"} <= paths
    assert not any(".lxpack-case" in p and "a.lxpack-case1" not in p for p in paths)


def test_onefile_archive_has_no_colliding_names(hello, mixed, tmp_path):
    pack(PackOptions(program=str(hello), output=str(tmp_path / "t.run"), includes=[str(mixed)]))
    payload = (tmp_path / "t.run").read_bytes().split(b"__LXPACK_ARCHIVE_BELOW__\n", 1)[1]
    with tarfile.open(fileobj=io.BytesIO(lzma.decompress(payload))) as tar:
        names = tar.getnames()
    by_dir = {}
    for n in names:
        parent, _, base = n.rpartition("/")
        by_dir.setdefault(parent, []).append(base)
    _assert_no_fold_collisions(by_dir)
    assert "Resources/root%s/d.lxpack-case1/x.lxpack-case1" % mixed in names


def test_no_collisions_no_renames(hello, tmp_path):
    r = pack(PackOptions(program=str(hello), output=str(tmp_path / "T"), format="dir"))
    m = json.loads((tmp_path / "T/Resources/lxpack/manifest.json").read_text())
    assert m["case_renamed"] == {} and r.manifest.case_renamed == {}


def test_fold_matches_a_mac_disk():
    assert casefold.fold("Pod") == casefold.fold("pod") == casefold.fold("POD")
    assert casefold.fold("\u00e9") == casefold.fold("e\u0301") == casefold.fold("\u00c9")  # é, e+acute, É
    assert casefold.fold("Straße") == casefold.fold("STRASSE")
    assert casefold.fold("a") != casefold.fold("b")


def test_debian_perl_tree(hello, tmp_path):
    """Debian's perl has Pod/ and pod/ side by side in its library directory."""
    perl = Path("/usr/share/perl")
    dirs = sorted(p for p in perl.glob("5.*") if p.is_dir() and not p.is_symlink()) if perl.is_dir() else []
    lib = next((d for d in dirs if (d / "Pod").is_dir() and (d / "pod").is_dir()), None)
    if lib is None:
        pytest.skip("no Debian perl library with Pod/ and pod/")
    pack(PackOptions(program=str(hello), output=str(tmp_path / "T"), format="dir",
                     includes=[str(lib / "Pod"), str(lib / "pod")]))
    m = json.loads((tmp_path / "T/Resources/lxpack/manifest.json").read_text())
    assert m["case_renamed"] == {str(lib / "pod"): str(lib / "pod.lxpack-case1")}
    stored = tmp_path / "T/Resources/root" / str(lib).lstrip("/")
    assert sorted(os.listdir(stored / "pod.lxpack-case1")) == sorted(os.listdir(lib / "pod"))
    assert sorted(os.listdir(stored / "Pod")) == sorted(os.listdir(lib / "Pod"))
    _assert_no_fold_collisions(_dirs_of_tree(tmp_path / "T/Resources/root"))
