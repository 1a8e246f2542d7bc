"""manifest.json through the one Manifest dataclass (lxpack.manifest) that
the packager writes and the bundle's runtime reads: a round trip keeps every
field, the runtime refuses a format_version it does not read with a
one-line message naming both versions, and a bundle whose manifest was
tampered with says so on one line (no traceback) with the status a launcher
gives for a bundle it cannot run."""
import json
import os
import shutil
import subprocess

import pytest

import lxpack
from lxpack.errors import ProgramNotExecutable
from lxpack.manifest import ClosureEntry, Manifest
from lxpack.packager.pack import PackOptions, pack

RES = "Contents/Resources"


def _sample():
    return Manifest(name="T", entry="/opt/t/bin/t", argv0="t", interpreter="/lib64/ld-linux-x86-64.so.2",
                    env={"A": "1", "EMPTY": ""}, host_exec=["/usr/bin/*"],
                    closure=[ClosureEntry("/opt/t/bin/t", "program", "ab" * 32, 10, [], None, "program"),
                             ClosureEntry("/lib/libc.so.6", "library", None, None, ["/opt/t/bin/t"],
                                          "libc-2.36.so", "ld.so.cache")],
                    case_renamed={"/opt/t/A": "/opt/t/A.lxpack-case1"})


def test_round_trip():
    m = _sample()
    raw = m.to_json()
    back = Manifest.from_json(raw)
    # to_json sorts the closure by path; everything else is kept as it was
    assert back.closure == sorted(m.closure, key=lambda e: e.path)
    back.closure = m.closure
    assert back == m
    assert back.to_json() == raw
    assert Manifest.from_json(raw.decode()) == Manifest.from_json(raw)


def test_unknown_keys_are_ignored():
    data = json.loads(_sample().to_json())
    data["added_later"] = True
    data["closure"][0]["also_later"] = 1
    assert Manifest.from_json(json.dumps(data)).closure[0].path == "/lib/libc.so.6"


@pytest.mark.parametrize("version", [lxpack.MANIFEST_FORMAT + 1, 0, "1", None])
def test_unknown_format_version_is_refused(version):
    data = json.loads(_sample().to_json())
    data["format_version"] = version
    with pytest.raises(ProgramNotExecutable) as e:
        Manifest.from_json(json.dumps(data))
    msg = str(e.value)
    assert "\n" not in msg
    assert "format_version %r" % (version,) in msg
    assert "reads format_version %d" % lxpack.MANIFEST_FORMAT in msg


@pytest.mark.parametrize("raw", [b"{", b"[]", b'{"format_version": %d}' % lxpack.MANIFEST_FORMAT])
def test_broken_manifest_is_one_line(raw):
    with pytest.raises(ProgramNotExecutable) as e:
        Manifest.from_json(raw)
    assert "\n" not in str(e.value)


def test_tampered_bundle_exits_with_one_line(closure_samples, tmp_path):
    app = tmp_path / "T.app"
    pack(PackOptions(program=str(closure_samples.hello), output=str(app)))
    path = app / RES / "lxpack/manifest.json"
    data = json.loads(path.read_text())
    data["format_version"] = 99
    path.write_text(json.dumps(data))
    env = dict(os.environ)
    env.pop("LXPACK_PYTHON", None)
    proc = subprocess.run([str(app / "Contents/MacOS/T")], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == ProgramNotExecutable.exit_code, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("T: ") and "format_version 99" in lines[0] \
        and "format_version %d" % lxpack.MANIFEST_FORMAT in lines[0], lines[0]
    assert proc.stdout == ""
    shutil.rmtree(app)
