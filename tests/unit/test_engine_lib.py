"""Which libunicorn runs the unicorn backend: lxpack's patched build
(tools/build_unicorn.py) when this installation or a bundle carries it for
the host, PyPI's otherwise, and LXPACK_UNICORN=pypi forces PyPI's.
The tests of the patched library itself skip when it is not built."""
import os
import subprocess
import sys

import pytest

from lxpack.launch import native_libs
from lxpack.runtime.vmm.unicorn import enginelib


def _carry(py, tag, name):
    d = py / "unicorn" / "lib" / ("lxpack-" + tag)
    d.mkdir(parents=True)
    (d / name).write_bytes(b"\0")
    return str(py)


def test_platform_tags():
    assert enginelib.platform_tag("linux", "x86_64") == "linux-x86_64"
    assert enginelib.platform_tag("darwin", "arm64") == "darwin-arm64"
    assert enginelib.platform_tag("darwin", "x86_64") == "darwin-x86_64"
    assert enginelib.platform_tag("linux", "aarch64") is None


def test_patched_dir_needs_the_library_of_the_host(tmp_path):
    py = _carry(tmp_path / "python", "darwin-arm64", "libunicorn.2.dylib")
    pkg = os.path.join(py, "unicorn")
    assert enginelib.patched_dir(pkg, "darwin", "arm64").endswith("lxpack-darwin-arm64")
    assert enginelib.patched_dir(pkg, "darwin", "x86_64") is None
    assert enginelib.patched_dir(pkg, "linux", "x86_64") is None


def test_bundle_prefers_the_patched_build(tmp_path, monkeypatch):
    py = _carry(tmp_path / "python", "darwin-arm64", "libunicorn.2.dylib")
    d = tmp_path / "python" / "unicorn" / "lib" / "darwin-arm64"
    d.mkdir()
    (d / native_libs.LIB_NAME).write_bytes(b"\0")
    monkeypatch.delenv(enginelib.ENV, raising=False)
    assert native_libs.lib_dir(py, "darwin", "arm64").endswith("lxpack-darwin-arm64")
    monkeypatch.setenv(enginelib.ENV, "pypi")
    assert native_libs.lib_dir(py, "darwin", "arm64").endswith(os.sep + "darwin-arm64")


def _which_library(env_extra):
    code = ("from lxpack.runtime.vmm.unicorn import backend as b; import os; "
            "print(b.engine_library()[1], 'LIBUNICORN_PATH' in os.environ, 'LXPACK_UNICORN' in os.environ)")
    env = dict(os.environ)
    env.pop("LIBUNICORN_PATH", None)
    env.update(env_extra)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def _patched_installed():
    import importlib.util
    spec = importlib.util.find_spec("unicorn")
    return enginelib.patched_dir(list(spec.submodule_search_locations)[0]) is not None


needs_patched = pytest.mark.skipif(not _patched_installed(),
                                   reason="lxpack's patched libunicorn is not built "
                                          "(python tools/build_unicorn.py --install)")


@needs_patched
def test_patched_library_loaded_and_environment_clean():
    assert _which_library({}) == ["True", "False", "False"]


@needs_patched
def test_pypi_library_on_request():
    assert _which_library({enginelib.ENV: "pypi"}) == ["False", "False", "False"]


def test_patched_mac_libraries_travel_only_for_macs():
    from lxpack.packager import macos_libs, vendor
    assert not [v.dest for v in vendor.files() if v.dest.startswith("unicorn/lib/lxpack-darwin-")]
    spec_dir = os.path.dirname(macos_libs._patched("darwin-arm64") or "")
    if not spec_dir:
        pytest.skip("lxpack's patched darwin-arm64 libunicorn is not built "
                    "(python tools/build_unicorn.py --platform darwin-arm64 --install)")
    try:
        dests = [v.dest for v in macos_libs.files(fetch=False, mac_arch="arm64")]
    except Exception as e:  # noqa: BLE001 - PyPI's Mac library not in the cache here
        pytest.skip("unicorn's macOS library is not cached: %s" % e)
    assert dests == ["unicorn/lib/darwin-arm64/libunicorn.2.dylib",
                     "unicorn/lib/lxpack-darwin-arm64/libunicorn.2.dylib"]
