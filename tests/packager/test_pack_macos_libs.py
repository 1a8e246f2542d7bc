"""A bundle carries unicorn's macOS libraries (Apple silicon and Intel,
fetched from PyPI once into the cache) by default for .app and on --macos,
as real Mach-O files of the right CPU; --no-macos and the other formats'
default leave them out. The bundle still runs here, with the host's own
library."""
import os
import struct
import subprocess

import pytest

from lxpack.errors import PackError
from lxpack.packager import macos_libs
from lxpack.packager.pack import PackOptions, pack

PY = "Contents/Resources/lxpack/python/unicorn/lib"
CPU = {"darwin-arm64": 0x0100000C, "darwin-x86_64": 0x01000007}


@pytest.fixture(scope="module")
def mac_libs():
    try:
        return macos_libs.files()
    except PackError as e:
        if "cannot download" in str(e):
            pytest.skip("PyPI is not reachable: %s" % e)
        raise


def test_app_carries_both_mac_libraries(mac_libs, closure_samples, tmp_path):
    app = tmp_path / "Hello.app"
    pack(PackOptions(program=str(closure_samples.hello), output=str(app)))
    for sub, cpu in CPU.items():
        path = app / PY / sub / "libunicorn.2.dylib"
        with open(path, "rb") as f:
            magic, cputype = struct.unpack("<II", f.read(8))
        assert (magic, cputype) == (0xFEEDFACF, cpu), sub
        assert os.access(path, os.X_OK)
    r = subprocess.run([str(app / "Contents/MacOS/Hello")], capture_output=True, timeout=120)
    assert r.returncode == 0 and r.stdout == b"hello\n", r.stderr


def test_no_macos_and_other_formats(mac_libs, closure_samples, tmp_path):
    app = tmp_path / "Lin.app"
    pack(PackOptions(program=str(closure_samples.hello), output=str(app), macos=False))
    assert not (app / PY / "darwin-arm64").exists()
    d = tmp_path / "dir"
    pack(PackOptions(program=str(closure_samples.hello), output=str(d), format="dir"))
    assert not any("darwin-" in p for _r, dirs, _f in os.walk(d) for p in dirs)
    d2 = tmp_path / "dir2"
    pack(PackOptions(program=str(closure_samples.hello), output=str(d2), format="dir", macos=True))
    for sub in CPU:
        assert (d2 / "Resources/lxpack/python/unicorn/lib" / sub / "libunicorn.2.dylib").is_file()


def test_check_macho_rejects_the_wrong_cpu(tmp_path):
    f = tmp_path / "lib.dylib"
    f.write_bytes(struct.pack("<II", 0xFEEDFACF, 0x01000007) + b"\0" * 24)
    macos_libs.check_macho(str(f), 0x01000007)
    with pytest.raises(PackError):
        macos_libs.check_macho(str(f), 0x0100000C)
    f.write_bytes(b"\x7fELF" + b"\0" * 28)
    with pytest.raises(PackError):
        macos_libs.check_macho(str(f), 0x01000007)


@pytest.mark.parametrize("arch", ["arm64", "x86_64"])
def test_mac_arch_carries_one_mac_library_and_the_hosts(mac_libs, closure_samples, tmp_path, arch):
    app = tmp_path / "One.app"
    pack(PackOptions(program=str(closure_samples.hello), output=str(app), mac_arch=arch))
    lib = app / PY
    assert sorted(p for p in os.listdir(lib) if p.startswith("darwin-")) == ["darwin-" + arch]
    assert any(n.startswith("libunicorn.so") for n in os.listdir(lib))  # this Linux host's
    r = subprocess.run([str(app / "Contents/MacOS/One")], capture_output=True, timeout=120)
    assert r.returncode == 0 and r.stdout == b"hello\n", r.stderr
    d = tmp_path / "dir"  # --mac-arch implies --macos for the other formats
    pack(PackOptions(program=str(closure_samples.hello), output=str(d), format="dir", mac_arch=arch))
    assert sorted(p for p in os.listdir(d / "Resources/lxpack/python/unicorn/lib")
                  if p.startswith("darwin-")) == ["darwin-" + arch]


def test_mac_arch_with_no_macos_is_a_usage_error(run_lxpack, hello, tmp_path):
    r = run_lxpack(hello, "-o", tmp_path / "X.app", "--no-macos", "--mac-arch", "arm64")
    assert r.returncode == 2 and len(r.err_lines) == 1
    assert r.err_lines[0] == "lxpack: --mac-arch arm64 contradicts --no-macos"
    assert os.listdir(tmp_path) == []
    r = run_lxpack(hello, "-o", tmp_path / "X.app", "--mac-arch", "ppc")
    assert r.returncode == 2 and "ppc" in r.stderr and "Traceback" not in r.stderr
    assert os.listdir(tmp_path) == []
