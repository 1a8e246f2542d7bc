"""lxpack.launch.native_libs: a bundle's Mac libraries are picked by the
host's platform and architecture, and LIBUNICORN_PATH never leaks into the
environment the guest inherits."""
import os

from lxpack.launch import native_libs


def _bundle(tmp_path, subs):
    py = tmp_path / "python"
    for sub in subs:
        d = py / "unicorn" / "lib" / sub
        d.mkdir(parents=True)
        (d / native_libs.LIB_NAME).write_bytes(b"\xcf\xfa\xed\xfe")
    return str(py)


def test_picks_the_mac_architecture(tmp_path):
    py = _bundle(tmp_path, ["darwin-arm64", "darwin-x86_64"])
    assert native_libs.lib_dir(py, "darwin", "arm64").endswith("darwin-arm64")
    assert native_libs.lib_dir(py, "darwin", "x86_64").endswith("darwin-x86_64")


def test_default_place_elsewhere_or_when_missing(tmp_path):
    py = _bundle(tmp_path, ["darwin-x86_64"])
    assert native_libs.lib_dir(py, "linux", "x86_64") is None
    assert native_libs.lib_dir(py, "darwin", "arm64") is None      # not carried: unicorn's own search


def test_environment_left_clean(tmp_path, monkeypatch):
    monkeypatch.delenv("LIBUNICORN_PATH", raising=False)
    native_libs.use_bundled_unicorn(_bundle(tmp_path, ["darwin-arm64"]))
    assert "LIBUNICORN_PATH" not in os.environ
