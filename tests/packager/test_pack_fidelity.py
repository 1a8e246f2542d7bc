"""What a bundle keeps of its files: the exact permission bits of each
source file (setuid, setgid and sticky dropped, owner read added), identical files
stored once as hard links, in the dir and app trees, in the one-file
archive however its header unpacks it (xz, bsdtar, python3's tarfile), and
through a zip of the .app; the one-file payload is xz."""
import hashlib
import json
import os
import shutil
import stat
import subprocess
import tarfile
import zipfile

import pytest

from lxpack.packager.pack import PackOptions, pack

RES = "Contents/Resources"
# source mode -> mode in the bundle
MODES = {0o644: 0o644, 0o755: 0o755, 0o600: 0o600, 0o444: 0o444, 0o750: 0o750, 0o700: 0o700,
         0o4755: 0o755, 0o2711: 0o711, 0o6750: 0o750, 0o200: 0o600, 0o1755: 0o755}
DATA = b"the same bytes\n" * 100


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    """An --include tree: one file per mode, and identical files (same mode,
    other mode, empty)."""
    top = tmp_path_factory.mktemp("fidelity") / "data"
    (top / "modes").mkdir(parents=True)
    for mode in MODES:
        p = top / "modes" / ("m%o" % mode)
        p.write_bytes(b"mode %o\n" % mode)
        os.chmod(p, mode)
    (top / "same").mkdir()
    for name in ("a", "b", "sub/c"):
        (top / "same" / name).parent.mkdir(exist_ok=True)
        (top / "same" / name).write_bytes(DATA)
    (top / "same/x").write_bytes(DATA)
    os.chmod(top / "same/x", 0o755)  # same bytes, other mode: a file of its own
    (top / "same/empty1").write_bytes(b"")
    (top / "same/empty2").write_bytes(b"")
    return top


def _pack(hello, tree, out, fmt, **kw):
    return pack(PackOptions(program=str(hello), output=str(out), format=fmt, includes=[str(tree)],
                            macos=False, **kw))


def _check_root(root, tree):
    """Modes, contents and hard links of the packed --include tree under root/."""
    inside = root / str(tree).lstrip("/")
    for src_mode, want in MODES.items():
        p = inside / "modes" / ("m%o" % src_mode)
        assert stat.S_IMODE(os.lstat(p).st_mode) == want, p
        assert p.read_bytes() == b"mode %o\n" % src_mode
    same = inside / "same"
    ino = {n: os.lstat(same / n).st_ino for n in ("a", "b", "sub/c", "x", "empty1", "empty2")}
    assert ino["a"] == ino["b"] == ino["sub/c"]
    assert ino["x"] != ino["a"] and ino["empty1"] != ino["empty2"]
    assert os.lstat(same / "a").st_nlink == 3
    assert all((same / n).read_bytes() == DATA for n in ("a", "b", "sub/c", "x"))


def _snapshot(top):
    """Paths, kinds, modes, contents, link targets, and which files share an inode."""
    out, inodes = [], {}
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames.sort()
        for name in sorted(dirnames + filenames):
            p = os.path.join(dirpath, name)
            rel = os.path.relpath(p, top)
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                out.append((rel, "link", os.readlink(p)))
            elif stat.S_ISDIR(st.st_mode):
                out.append((rel, "dir", oct(st.st_mode)))
            else:
                first = inodes.setdefault(st.st_ino, rel)
                with open(p, "rb") as f:
                    out.append((rel, "file", oct(st.st_mode), hashlib.sha256(f.read()).hexdigest(), first))
    return out


@pytest.mark.parametrize("fmt,out,contents", [("dir", "T", ""), ("app", "T.app", "Contents")])
def test_trees_keep_modes_and_link_identical_files(hello, tree, tmp_path, fmt, out, contents):
    _pack(hello, tree, tmp_path / out, fmt)
    _check_root(tmp_path / out / contents / "Resources/root", tree)


def test_manifest_lists_linked_files_as_files(hello, tree, tmp_path):
    r = _pack(hello, tree, tmp_path / "T", "dir")
    by = {e.path: e for e in r.manifest.closure}
    for n in ("a", "b", "sub/c"):
        e = by[str(tree / "same" / n)]
        assert e.symlink_target is None and e.size == len(DATA)
        assert e.sha256 == hashlib.sha256(DATA).hexdigest()


def test_onefile_payload_is_xz_with_hard_links_and_modes(hello, tree, tmp_path):
    _pack(hello, tree, tmp_path / "t.run", "onefile")
    data = (tmp_path / "t.run").read_bytes()
    payload = data.split(b"__LXPACK_ARCHIVE_BELOW__\n", 1)[1]
    assert payload[:6] == b"\xfd7zXZ\0"
    import io
    import lzma
    with tarfile.open(fileobj=io.BytesIO(lzma.decompress(payload))) as tar:
        members = {m.name: m for m in tar.getmembers()}
    base = "Resources/root" + str(tree)
    for src_mode, want in MODES.items():
        assert members["%s/modes/m%o" % (base, src_mode)].mode == want
    a, b = members[base + "/same/a"], members[base + "/same/b"]
    assert a.isfile() and b.islnk() and b.linkname == base + "/same/a"
    assert members[base + "/same/x"].isfile() and members[base + "/same/empty2"].isfile()


def _path_without(tmp_path, drop, tar=None):
    """A PATH directory with every program of /usr/bin and /bin but `drop`, and
    `tar` being `tar` if given."""
    d = tmp_path / "bin"
    d.mkdir()
    for top in ("/bin", "/usr/bin"):
        for name in os.listdir(top):
            if name in drop or (d / name).exists() or os.path.islink(d / name):
                continue
            os.symlink(os.path.join(top, name), d / name)
    if tar:
        os.unlink(d / "tar")
        os.symlink(tar, d / "tar")
    return str(d)


PY39 = "/root/.pyenv/versions/3.9.18/bin/python3"


@pytest.mark.parametrize("how", ["xz", "bsdtar", "python", "python3.9"])
def test_onefile_unpacks_the_same_tree_every_way(hello, tree, tmp_path, how):
    xz_tools = {"xz", "unxz", "xzcat", "lzma", "unlzma", "lzcat", "xzdec", "lzmadec"}
    if how == "xz":
        if shutil.which("xz") is None:
            pytest.skip("no xz program")
        path = os.environ["PATH"]
    elif how == "bsdtar":
        if shutil.which("bsdtar") is None:
            pytest.skip("no bsdtar (Debian: libarchive-tools)")
        path = _path_without(tmp_path, xz_tools, tar=shutil.which("bsdtar"))
    else:
        if how == "python3.9" and not os.path.exists(PY39):
            pytest.skip("no Python 3.9 at " + PY39)
        path = _path_without(tmp_path, xz_tools)
    _pack(hello, tree, tmp_path / "t.run", "onefile")
    _pack(hello, tree, tmp_path / "T", "dir", name="t")
    cache = tmp_path / "cache"
    env = dict(os.environ, PATH=path, XDG_CACHE_HOME=str(cache))
    env.pop("LXPACK_PYTHON", None)
    if how == "python3.9":  # what macOS's Command Line Tools have
        env["LXPACK_PYTHON"] = PY39
    r = subprocess.run([str(tmp_path / "t.run")], env=env, capture_output=True, text=True, timeout=300)
    native = subprocess.run([str(hello)], capture_output=True, text=True)
    assert (r.returncode, r.stdout) == (native.returncode, native.stdout), r.stderr
    [unpacked] = [p for p in (cache / "lxpack").iterdir() if (p / "MacOS/t").exists()]
    os.unlink(unpacked / ".lxpack-used")
    assert _snapshot(unpacked) == _snapshot(tmp_path / "T")
    _check_root(unpacked / "Resources/root", tree)


def test_zipped_app_keeps_modes_links_and_contents(hello, tree, tmp_path):
    if shutil.which("zip") is None or shutil.which("unzip") is None:
        pytest.skip("zip/unzip not installed")
    _pack(hello, tree, tmp_path / "T.app", "app")
    # what a user does to send an .app: zip -ry (symlinks kept as links)
    subprocess.run(["zip", "-qry", str(tmp_path / "T.zip"), "T.app"], cwd=tmp_path, check=True)
    (tmp_path / "x").mkdir()
    subprocess.run(["unzip", "-q", str(tmp_path / "T.zip")], cwd=tmp_path / "x", check=True)
    with zipfile.ZipFile(tmp_path / "T.zip") as z:
        modes = {i.filename: i.external_attr >> 16 for i in z.infolist()}
    inside = "T.app/" + RES + "/root" + str(tree)
    for src_mode, want in MODES.items():
        assert stat.S_IMODE(modes["%s/modes/m%o" % (inside, src_mode)]) == want
        assert stat.S_IMODE(os.lstat(tmp_path / "x" / inside / "modes" / ("m%o" % src_mode)).st_mode) == want
    # zip has no hard links: each becomes a copy with the same bytes
    orig = [(p, k, *rest[:2]) for p, k, *rest in _snapshot(tmp_path / "T.app")]
    back = [(p, k, *rest[:2]) for p, k, *rest in _snapshot(tmp_path / "x/T.app")]
    assert orig == back
    m = json.loads((tmp_path / "x/T.app" / RES / "lxpack/manifest.json").read_text())
    assert m["name"] == "T"
