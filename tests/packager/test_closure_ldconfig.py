"""The ld.so.cache parser agrees with `ldconfig -p`; ld.so.conf includes
are followed; the DST and search-path helpers follow glibc's rules."""
import os
import re
import shutil
import subprocess

import pytest

from lxpack.packager import ldconfig, searchpath


@pytest.mark.skipif(not os.path.exists("/etc/ld.so.cache"), reason="no /etc/ld.so.cache")
def test_cache_matches_ldconfig_p():
    exe = shutil.which("ldconfig") or "/sbin/ldconfig"
    if not os.path.exists(exe):
        pytest.skip("no ldconfig")
    out = subprocess.run([exe, "-p"], capture_output=True, text=True).stdout
    expected = {}
    for line in out.splitlines()[1:]:
        m = re.match(r"^\s+(\S+) \(([^)]*)\) => (\S+)$", line)
        if m and m.group(2) == "libc6,x86-64":  # plain x86-64 entries, no hwcap
            expected.setdefault(m.group(1), m.group(3))
    cfg = ldconfig.load()
    assert cfg.source == "ld.so.cache"
    assert cfg.entries == expected
    assert len(expected) > 10


def test_cache_with_old_table_in_front():
    new = open("/etc/ld.so.cache", "rb").read() if os.path.exists("/etc/ld.so.cache") else None
    if new is None or not new.startswith(ldconfig.NEW_MAGIC):
        pytest.skip("no new-format cache to wrap")
    old = ldconfig.OLD_MAGIC + b"\0" + (0).to_bytes(4, "little")
    assert ldconfig.parse_cache(old + new) == ldconfig.parse_cache(new)


def test_garbage_cache_falls_back_to_conf(tmp_path):
    (tmp_path / "cache").write_bytes(b"not a cache")
    (tmp_path / "conf.d").mkdir()
    (tmp_path / "conf.d" / "b.conf").write_text("/opt/b\n# comment\n/opt/b2/\n")
    (tmp_path / "conf.d" / "a.conf").write_text("/opt/a=libc6\ninclude ../more.conf\n")
    (tmp_path / "more.conf").write_text("/opt/more, /opt/more2\nhwcap 0 nosegneg\n")
    (tmp_path / "ld.so.conf").write_text("include conf.d/*.conf\n/opt/last\ninclude ld.so.conf\n")
    cfg = ldconfig.load(str(tmp_path / "cache"), str(tmp_path / "ld.so.conf"))
    assert cfg.source == "ld.so.conf"
    assert cfg.conf_dirs == ["/opt/a", "/opt/more", "/opt/more2", "/opt/b", "/opt/b2", "/opt/last"]
    assert cfg.lookup("libx.so.1")[0] == "/opt/a/libx.so.1"


def test_no_cache_no_conf(tmp_path):
    cfg = ldconfig.load(str(tmp_path / "none"), str(tmp_path / "none.conf"))
    assert cfg.source == "none" and cfg.lookup("libc.so.6") == []


def test_dst_expansion():
    assert searchpath.expand("$ORIGIN/../lib", "/a/bin", "lib64") == "/a/bin/../lib"
    assert searchpath.expand("${ORIGIN}/x", "/o", "lib64") == "/o/x"
    assert searchpath.expand("/p/$LIB/$PLATFORM", None, "lib/x86_64-linux-gnu") == \
        "/p/lib/x86_64-linux-gnu/x86_64"
    assert searchpath.expand("/p/${LIB}x", None, "lib64") == "/p/lib64x"
    assert searchpath.expand("/p/$LIBx", None, "lib64") == "/p/$LIBx"  # not a DST
    assert searchpath.expand("$ORIGIN/x", None, "lib64") is None


def test_split_like_fillin_rpath():
    assert searchpath.split("/a/:/b//::$ORIGIN", "/o", "lib") == ["/a", "/b", "", "/o"]
    assert searchpath.split("/a;/b", None, "lib", seps=":;") == ["/a", "/b"]
    assert searchpath.split(None, None, "lib") == []
