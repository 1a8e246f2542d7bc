"""The CPython a bundle for Macs carries (packager/pydist.py, machosign.py,
pyneeds.py, the launcher's choice of interpreter).

Bundles are packed with synthetic python-build-standalone builds whose Mach-O
files are real ones cross-compiled by zig (pbs_fixture.py); the signatures
are checked twice: by lxpack.packager.machosign and by an independent reading
in this file (struct offsets from Apple's cs_blobs.h, page hashes recomputed
with hashlib).
"""
import hashlib
import http.server
import lzma
import os
import plistlib
import shutil
import stat
import struct
import subprocess
import sys
import tarfile
import threading
from pathlib import Path

import pytest

import pbs_fixture
from conftest import lxpack

from lxpack.packager import machosign, pydist, pyneeds, vendor

HV = "com.apple.security.hypervisor"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def dists(tmp_path_factory):
    why = pbs_fixture.zig_available()
    if why:
        pytest.skip(why)
    work = tmp_path_factory.mktemp("pbs")
    return {a: pbs_fixture.build(work, a) for a in ("arm64", "x86_64")}


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A private cache, in this process and in the lxpack subprocesses."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache"


# ---------------------------------------------------------------- an independent reading

def independent_check(path):
    """Parse the signature of a thin Mach-O without machosign: returns
    (cputype, flags, identifier, entitlements XML dict, DER bytes, bad page count)."""
    data = Path(path).read_bytes()
    magic, cputype, _s, _ft, ncmds, _sz, _fl, _r = struct.unpack_from("<8I", data)
    assert magic == 0xFEEDFACF
    off, sig = 32, None
    for _ in range(ncmds):
        cmd, size = struct.unpack_from("<II", data, off)
        if cmd == 0x1D:
            sig = struct.unpack_from("<II", data, off + 8)
        off += size
    assert sig, "no LC_CODE_SIGNATURE"
    dataoff, datasize = sig
    assert dataoff + datasize <= len(data)
    blob = data[dataoff:dataoff + datasize]
    assert struct.unpack_from(">I", blob)[0] == 0xFADE0CC0
    count = struct.unpack_from(">I", blob, 8)[0]
    slots = {}
    for i in range(count):
        typ, o = struct.unpack_from(">II", blob, 12 + 8 * i)
        length = struct.unpack_from(">I", blob, o + 4)[0]
        slots[typ] = blob[o:o + length]
    cd = slots[0]
    (cmagic, _l, _v, flags, hash_off, ident_off, nspecial, ncode, limit, hsize, htype, _p,
     pshift) = struct.unpack_from(">9I4B", cd)
    assert (cmagic, hsize, htype, limit) == (0xFADE0C02, 32, 2, dataoff)
    ident = cd[ident_off:cd.index(b"\0", ident_off)].decode()
    page = 1 << pshift
    bad = sum(hashlib.sha256(data[i * page:min((i + 1) * page, limit)]).digest()
              != cd[hash_off + 32 * i:hash_off + 32 * (i + 1)] for i in range(ncode))
    assert ncode == (limit + page - 1) // page
    ents = der = None
    if 5 in slots:
        ents = plistlib.loads(slots[5][8:])
        assert hashlib.sha256(slots[5]).digest() == cd[hash_off - 5 * 32:hash_off - 4 * 32]
    if 7 in slots:
        der = slots[7][8:]
        assert nspecial >= 7
        assert hashlib.sha256(slots[7]).digest() == cd[hash_off - 7 * 32:hash_off - 6 * 32]
    return cputype, flags, ident, ents, der, bad


# ---------------------------------------------------------------- signing

def test_der_entitlements_form():
    # Apple's form: [APPLICATION 16] { INTEGER 1, [CONTEXT 16] { SEQUENCE { UTF8String, BOOLEAN } } }
    assert machosign.der_encode({}) == bytes([0x70, 5, 2, 1, 1, 0xB0, 0])
    der = machosign.der_encode({HV: True})
    key = HV.encode()
    entry = bytes([0x30, 2 + len(key) + 3, 0x0C, len(key)]) + key + bytes([1, 1, 0xFF])
    assert der == bytes([0x70, 3 + 2 + len(entry), 2, 1, 1, 0xB0, len(entry)]) + entry
    value = {"b": [1, "x", False], "a": {"n": -3}}
    assert machosign.der_decode(machosign.der_encode(value)) == value


@pytest.mark.parametrize("arch", ["arm64", "x86_64"])
def test_sign_then_verify_and_tamper(dists, tmp_path, arch):
    with tarfile.open(dists[arch]) as t:
        t.extractall(tmp_path, filter="tar") if hasattr(tarfile, "tar_filter") else t.extractall(tmp_path)
    exe = tmp_path / "python" / "bin" / "python3.12"
    before = machosign.read_signatures(str(exe))[0]
    ino = os.stat(exe).st_ino
    machosign.sign(str(exe), "python3.12", {HV: True})
    assert os.stat(exe).st_ino != ino, "signing must write a new file (macOS caches signatures per inode)"
    cpu, flags, ident, ents, der, bad = independent_check(exe)
    assert cpu == {"arm64": 0x0100000C, "x86_64": 0x01000007}[arch]
    assert flags & 0x2 and not flags & 0x20000  # ad hoc, no longer "linker signed"
    assert (ident, ents, bad) == ("python3.12", {HV: True}, 0)
    assert machosign.der_decode(der) == {HV: True}
    sig = machosign.read_signatures(str(exe))[0]
    assert sig.valid and sig.entitlements == sig.der_entitlements == {HV: True}, sig.problems
    # zig signs arm64 output (linker-signed) and not x86_64: both end up signed
    assert before.signed == (arch == "arm64")
    # Re-signing a signed file replaces the signature (no growth, still valid).
    size = exe.stat().st_size
    machosign.sign(str(exe), "python3.12", {HV: True})
    assert exe.stat().st_size == size and machosign.read_signatures(str(exe))[0].valid
    # A changed byte of code is caught.
    data = bytearray(exe.read_bytes())
    data[0x1000 + 7] ^= 0xFF
    exe.write_bytes(bytes(data))
    sig = machosign.read_signatures(str(exe))[0]
    assert not sig.valid and any("page hashes do not match" in p for p in sig.problems)
    assert independent_check(exe)[5] == 1


# ---------------------------------------------------------------- bundles

def _pack(tmp_path, hello, *extra):
    out = tmp_path / "Hello.app"
    r = lxpack(hello, "-o", out, *extra)
    assert r.returncode == 0, r.stderr
    return out, r


def test_app_carries_signed_interpreter_per_arch(dists, cache, tmp_path, hello):
    out, r = _pack(tmp_path, hello, "--python-dist", dists["arm64"], "--python-dist", dists["x86_64"])
    assert r.err_lines[-1].endswith("CPython 3.12 for arm64 and x86_64)"), r.stderr
    res = out / "Contents" / "Resources"
    for arch, cpu in (("arm64", 0x0100000C), ("x86_64", 0x01000007)):
        top = res / "cpython" / ("darwin-" + arch)
        exe = top / "bin" / "python3.12"
        assert os.readlink(top / "bin" / "python3") == "python3.12"
        assert os.stat(exe).st_mode & 0o111
        c, flags, ident, ents, der, bad = independent_check(exe)
        assert (c, ents, bad) == (cpu, {HV: True}, 0)
        assert machosign.der_decode(der) == {HV: True}
        # every Mach-O of the bundle has a valid signature (x86_64 ones may be unsigned)
        for p in sorted(top.rglob("*")) + sorted((res / "lxpack" / "python").rglob("*.dylib")):
            if p.is_file() and not p.is_symlink() and machosign.is_macho(str(p)):
                for sig in machosign.read_signatures(str(p)):
                    assert sig.valid or (sig.arch == "x86_64" and not sig.signed), (p, sig)
                    assert sig.signed or sig.arch != "arm64", p
    # The unsigned x86_64 dylib and extension were left alone; arm64's were linker-signed by zig.
    assert not machosign.read_signatures(str(res / "cpython/darwin-x86_64/lib/libpython3.12.dylib"))[0].signed
    info = plistlib.loads((out / "Contents" / "Info.plist").read_bytes())
    assert info["CFBundleExecutable"] == "Hello" and (out / "Contents" / "MacOS" / "Hello").is_file()
    assert info["LSMinimumSystemVersion"] and info["CFBundlePackageType"] == "APPL"


def test_inspect_bundle_reports_signatures_and_catches_damage(dists, cache, tmp_path, hello):
    out, _ = _pack(tmp_path, hello, "--python-dist", dists["arm64"], "--python-dist", dists["x86_64"])
    r = lxpack("inspect-bundle", out)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    lines = r.stdout.splitlines()
    for arch in ("arm64", "x86_64"):
        i = lines.index("  Resources/cpython/darwin-%s/bin/python3.12  [interpreter]" % arch)
        assert lines[i + 1].strip() == "%s: ad-hoc, sha256, id python3.12, %s; valid" % (arch, HV)
    assert "  CFBundleExecutable: Hello" in lines and lines[-1] == "  problems: none"
    r = lxpack("inspect-bundle", "--json", out)
    report = __import__("json").loads(r.stdout)
    interps = [f for f in report["macho"] if f["interpreter"]]
    assert len(interps) == 2 and all(f["slices"][0]["entitlements"] == {HV: True} for f in interps)
    # A changed byte in the arm64 interpreter (a hard-linked copy is not shared: copy first)
    exe = out / "Contents/Resources/cpython/darwin-arm64/bin/python3.12"
    data = bytearray(exe.read_bytes())
    data[100] ^= 1
    exe.unlink()
    exe.write_bytes(bytes(data))
    r = lxpack("inspect-bundle", out)
    assert r.returncode == 3 and len(r.err_lines) == 1
    assert "darwin-arm64/bin/python3.12 (arm64): invalid signature" in r.err_lines[0]
    assert "INVALID: 1 of " in r.stdout
    r = lxpack("inspect-bundle", tmp_path / "nothing.app")
    assert r.returncode == 2 and r.err_lines == ["lxpack: %s: no such file or directory" % (tmp_path / "nothing.app")]


def test_interpreter_is_stripped_to_what_the_runtime_imports(dists, cache, tmp_path, hello):
    out, _ = _pack(tmp_path, hello, "--mac-arch", "arm64", "--python-dist", dists["arm64"])
    top = out / "Contents" / "Resources" / "cpython" / "darwin-arm64"
    kept = {str(p.relative_to(top)) for p in top.rglob("*") if not p.is_dir()}
    std = "lib/python3.12/"
    for rel in pbs_fixture.STRIPPED:
        assert std + rel not in kept
    for rel in ("include/python3.12/Python.h", "share/man/man1/python3.1", "lib/pkgconfig/python3.pc",
                "lib/tcl8.6/init.tcl", std + "lib-dynload/_tkinter.cpython-312-darwin.so",
                std + "lib-dynload/_testcapi.cpython-312-darwin.so"):
        assert rel not in kept
    # kept: what the runtime imports (os, ctypes with its Mac-only macholib, termios...),
    # what the interpreter loads (libpython through @executable_path), the licence
    for rel in ("bin/python3.12", "bin/python3", "lib/libpython3.12.dylib", std + "LICENSE.txt",
                std + "os.py", std + "site.py", std + "encodings/utf_8.py", std + "ctypes/util.py",
                std + "ctypes/macholib/dyld.py", std + "lib-dynload/_ctypes.cpython-312-darwin.so",
                std + "lib-dynload/termios.cpython-312-darwin.so"):
        assert rel in kept, rel
    assert not (out / "Contents" / "Resources" / "cpython" / "darwin-x86_64").exists()


def test_onefile_carries_the_interpreter_too(dists, cache, tmp_path, hello):
    out = tmp_path / "hello.run"
    r = lxpack(hello, "-o", out, "--mac-arch", "x86_64", "--python-dist", dists["x86_64"])
    assert r.returncode == 0, r.stderr
    data = out.read_bytes()
    marker = b"__LXPACK_ARCHIVE_BELOW__\n"
    payload = data[data.index(marker) + len(marker):]
    with tarfile.open(fileobj=lzma.LZMAFile(__import__("io").BytesIO(payload)), mode="r|") as t:
        for m in t:
            if m.name.endswith("cpython/darwin-x86_64/bin/python3.12"):
                exe = tmp_path / "python3.12"
                exe.write_bytes(t.extractfile(m).read())
                break
        else:
            pytest.fail("no interpreter in the one-file payload")
    assert independent_check(exe)[3] == {HV: True} and independent_check(exe)[5] == 0
    r = lxpack("inspect-bundle", out)
    assert r.returncode == 0 and "(onefile)" in r.stdout and "x86_64: ad-hoc, sha256, id python3.12, %s; valid" % HV \
        in r.stdout, r.stdout + r.stderr


def test_python_dist_errors_are_one_line(dists, cache, tmp_path, hello):
    r = lxpack(hello, "-o", tmp_path / "A.app", "--python-dist", tmp_path / "none.tar.gz")
    assert r.returncode == 2 and r.err_lines == ["lxpack: --python-dist %s: no such file or directory"
                                                 % (tmp_path / "none.tar.gz")]
    bad = tmp_path / "bad.tar.gz"
    bad.write_bytes(pbs_fixture.tar_bytes({"python/bin/python3.12": b"#!/bin/sh\n"}))
    r = lxpack(hello, "-o", tmp_path / "B.app", "--python-dist", bad)
    assert r.returncode == 3 and len(r.err_lines) == 1 and "not a 64-bit Mach-O interpreter" in r.stderr
    r = lxpack(hello, "-o", tmp_path / "C.app", "--mac-arch", "arm64", "--python-dist", dists["x86_64"])
    assert r.returncode == 2 and len(r.err_lines) == 1 and "is for x86_64" in r.stderr
    # Offline, nothing cached: the default packs without (silently, the summary says
    # so), --embed-python refuses in one line.
    r = lxpack(hello, "-o", tmp_path / "D.app")
    assert r.returncode == 0 and "CPython" not in r.stderr and not (tmp_path / "D.app/Contents/Resources/cpython").exists()
    r = lxpack(hello, "-o", tmp_path / "E.app", "--embed-python")
    assert r.returncode == 3 and len(r.err_lines) == 1
    assert r.err_lines[0].startswith("lxpack: no CPython for arm64 Macs: ") and "--python-dist" in r.err_lines[0]
    r = lxpack(hello, "-o", tmp_path / "F.app", "--no-embed-python", "--python-dist", dists["arm64"])
    assert r.returncode == 2 and r.err_lines == ["lxpack: --python-dist contradicts --no-embed-python"]


# ---------------------------------------------------------------- download and cache

class _Serve:
    def __init__(self, path):
        body = Path(path).read_bytes()

        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass
        self.server = http.server.HTTPServer(("127.0.0.1", 0), H)
        self.url = "http://127.0.0.1:%d/cpython-x.tar.gz" % self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_fetch_checks_the_pinned_hash_and_caches(dists, cache, monkeypatch):
    monkeypatch.delenv(pydist.FETCH_ENV, raising=False)
    srv = _Serve(dists["arm64"])
    try:
        sha = hashlib.sha256(Path(dists["arm64"]).read_bytes()).hexdigest()
        monkeypatch.setitem(pydist.PINNED, "arm64", (srv.url, "0" * 64))
        with pytest.raises(pydist.PackError, match="not the pinned 0000"):
            pydist.fetch("arm64")
        assert not any(p.is_file() for p in cache.rglob("*"))  # nothing half-written stays
        monkeypatch.setitem(pydist.PINNED, "arm64", (srv.url, sha))
        got = pydist.fetch("arm64")
        assert hashlib.sha256(Path(got).read_bytes()).hexdigest() == sha
    finally:
        srv.close()
    monkeypatch.setenv(pydist.FETCH_ENV, "0")
    assert pydist.fetch("arm64") == got  # from the cache, offline
    # A closed port: one line, and the default pack continues with a warning.
    monkeypatch.delenv(pydist.FETCH_ENV)
    monkeypatch.setitem(pydist.PINNED, "x86_64", ("http://127.0.0.1:9/none.tar.gz", "1" * 64))
    warnings = []
    assert pydist.choose(["x86_64"], [], None, warnings) == {}
    assert len(warnings) == 1 and warnings[0].startswith("no CPython embedded for x86_64 Macs (cannot download ")


# ---------------------------------------------------------------- the launcher's choice

def _stub(bindir, name, text):
    p = bindir / name
    p.write_text("#!/bin/sh\n" + text)
    p.chmod(0o755)


@pytest.mark.parametrize("apple_silicon,have,expect", [
    (True, ("arm64", "x86_64"), "arm64"),   # arm64 first, even though uname -m says x86_64 (Rosetta)
    (True, ("x86_64",), "x86_64"),          # else the Intel one, through Rosetta
    (False, ("arm64", "x86_64"), "x86_64"),
    (False, ("arm64",), "host"),            # an Intel Mac cannot run arm64: the host's python3
])
def test_launcher_prefers_the_bundled_interpreter(dists, cache, tmp_path, hello, apple_silicon, have, expect):
    args = []
    for a in have:
        args += ["--python-dist", dists[a]]
    out, _ = _pack(tmp_path, hello, *args)
    bindir = tmp_path / "stubs"
    bindir.mkdir()
    _stub(bindir, "uname", 'case $1 in -s) echo Darwin ;; *) echo x86_64 ;; esac\n')
    _stub(bindir, "sysctl", 'echo %d\n' % (1 if apple_silicon else 0) if apple_silicon else "exit 1\n")
    _stub(bindir, "xcode-select", "exit 0\n")
    log = tmp_path / "chosen"
    # The Mach-O interpreters cannot run here: replace each by a script saying which ran.
    for a in have:
        exe = out / "Contents/Resources/cpython" / ("darwin-" + a) / "bin/python3.12"
        exe.unlink()
        _stub(exe.parent, "python3.12", 'echo %s > %s\nexit 0\n' % (a, log))
    host = shutil.which("python3")
    _stub(bindir, "python3", 'case "$*" in *run.py*) echo host > %s; exit 0 ;; esac\nexec %s "$@"\n' % (log, host))
    env = {"PATH": "%s:%s" % (bindir, os.environ["PATH"])}

    def chosen(extra):
        if log.exists():
            log.unlink()
        r = subprocess.run([str(out / "Contents/MacOS/Hello")], env={**os.environ, **env, **extra},
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        if log.exists():
            return log.read_text().strip()
        # The launcher takes a plain /usr/bin/python3 before PATH's python3
        # (our stub): then the real runtime ran the program.
        assert r.stdout == "hello\n", r.stderr
        return "host"

    assert chosen({}) == expect
    assert chosen({"LXPACK_HOST_PYTHON": "1"}) == "host"      # prefers the host's


# ---------------------------------------------------------------- the keep-list against real imports

# What the interpreter that ran says: its stdlib, its built-in modules, and
# which of the names it cannot import (importtime also lists failed tries).
_PROBE = """import os, sys, importlib.util
def gone(m):
    try:
        return importlib.util.find_spec(m) is None
    except (ImportError, ValueError):
        return True
print(os.path.dirname(os.__file__))
print(" ".join(sys.builtin_module_names))
print(" ".join(m for m in sys.argv[1:] if gone(m)))
def frozen(m):
    try:
        spec = importlib.util.find_spec(m)
    except (ImportError, ValueError):
        return False
    return spec is not None and spec.origin == "frozen"
print(" ".join(m for m in sys.argv[1:] if frozen(m)))
"""


def _python312():
    """A CPython 3.12 on this machine (the version bundles embed), or None:
    python3.12 on PATH, or one of pyenv's versions."""
    import glob
    cands = [shutil.which("python3.12")] + sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.12*/bin/python3.12")))
    for c in cands:
        if c and subprocess.run([c, "-c", "import sys; assert sys.version_info[:2] == (3, 12)"],
                                capture_output=True).returncode == 0:
            return c
    return None


@pytest.mark.parametrize("python", ["packing", "3.12"])
@pytest.mark.parametrize("backend", ["kvm", "unicorn"])
def test_keep_list_covers_what_the_runtime_imports(tmp_path, hello, backend, python):
    """Run a packed bundle's runtime under -X importtime: every stdlib module
    it imports is in pyneeds' closure of the vendored code over that
    interpreter's stdlib. With "3.12" the closure is found by this (packing)
    Python over another version's stdlib, as for the CPython bundles embed."""
    if backend == "kvm" and not os.access("/dev/kvm", os.R_OK | os.W_OK):
        pytest.skip("no /dev/kvm")
    exe = sys.executable if python == "packing" else _python312()
    if exe is None:
        pytest.skip("no CPython 3.12 on this machine")
    out = tmp_path / "hello.dir"
    r = lxpack(hello, "-o", out, "--format", "dir")
    assert r.returncode == 0, r.stderr
    run_py = out / "Resources" / "lxpack" / "run.py"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["LXPACK_BACKEND"] = backend
    # -S: not this venv's site-packages hooks (.pth files); site itself is a pyneeds root anyway
    p = subprocess.run([exe, "-X", "importtime", "-S", "-E", str(run_py)], env=env, capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-2000:]
    imported = set()
    for line in p.stderr.splitlines():
        if line.startswith("import time:") and "|" in line and "imported package" not in line:
            imported.add(line.rsplit("|", 1)[1].strip())
    assert "lxpack.launch.boot" in imported
    others = sorted(m for m in imported if m.split(".")[0] not in ("lxpack", "elftools", "unicorn"))
    probe = subprocess.run([exe, "-S", "-c", _PROBE] + others, capture_output=True, text=True,
                           check=True).stdout.splitlines()
    stdlib, builtins = probe[0], set(probe[1].split())
    failed = set(probe[2].split()) if len(probe) > 2 else set()  # importtime lists failed tries too (nt, _winapi)
    builtins |= set(probe[3].split()) if len(probe) > 3 else set()  # frozen into the interpreter (zipimport)
    need = pyneeds.closure(pydist.code_roots(vendor.files(), [("__main__", run_py.read_bytes())]),
                           pyneeds.Stdlib(stdlib), ("lxpack", "elftools", "unicorn"))
    found = set(need.modules) | set(need.extensions)
    missing = sorted(m for m in imported
                     if m.split(".")[0] not in ("lxpack", "elftools", "unicorn")
                     and m not in builtins and m not in found and m not in failed
                     and not m.startswith("_frozen") and m != "__main__")
    assert missing == [], "imported at run time but not kept: %s" % missing
    assert not any(m.split(".")[0] in pyneeds.NEVER for m in imported)


# ---------------------------------------------------------------- lxpack doctor

def test_doctor_reports_host_facts_before_backends():
    r = lxpack("doctor")
    assert r.returncode in (0, 5), r.stderr
    labels = [ln.split(":", 1)[0] for ln in r.stdout.splitlines()[:5]]
    assert labels == ["host", "translated", "python", "entitlement", "hv_vm_create"], r.stdout
    assert "not a Mach-O file" in r.stdout.splitlines()[3]  # this Linux interpreter is an ELF file
    assert any(ln.startswith(("kvm ", "unicorn ")) for ln in r.stdout.splitlines())


def test_doctor_reads_an_interpreters_entitlement(dists, tmp_path):
    from lxpack.launch import hostinfo
    with tarfile.open(dists["arm64"]) as t:
        t.extractall(tmp_path, filter="tar") if hasattr(tarfile, "tar_filter") else t.extractall(tmp_path)
    exe = tmp_path / "python/bin/python3.12"
    assert hostinfo.entitlement(str(exe)).endswith(": arm64 NO")  # zig's linker signature, no entitlements
    machosign.sign(str(exe), "python3.12", {HV: True})
    assert hostinfo.entitlement(str(exe)).endswith(": arm64 yes")
    lib = tmp_path / "python/lib/python3.12/lib-dynload/termios.cpython-312-darwin.so"
    assert hostinfo.entitlement(str(lib)).endswith(": arm64 NO")
