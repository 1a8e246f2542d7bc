"""The pack progress bar: on a terminal it shows each phase with bytes done
of the total and file counts; when stderr is not a terminal (a build log, a
pipe) nothing but the summary line is printed."""
import re
import shutil
import subprocess
import sys

import pytest

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def test_bar_on_a_terminal_shows_bytes_and_files(hello, tmp_path):
    if shutil.which("script") is None:
        pytest.skip("no script(1) to give the pack a terminal")
    cmd = "%s -m lxpack %s -o %s --format dir" % (sys.executable, hello, tmp_path / "T")
    r = subprocess.run(["script", "-qc", cmd, "/dev/null"], capture_output=True, timeout=300,
                       env={"PATH": "/usr/bin:/bin", "COLUMNS": "160", "TERM": "xterm"})
    text = ANSI.sub("", r.stdout.decode("utf-8", "replace").replace("\r", "\n"))
    assert r.returncode == 0, text
    for phase in ("hashing", "writing"):
        lines = [l for l in text.splitlines() if l.startswith(phase)]
        assert lines, text
        assert any(re.search(r"[\d.]+/[\d.]+ [kMG]?B .* (?P<n>\d+)/(?P=n) files", l) for l in lines), lines
    assert "lxpack: packed" in text


def test_quiet_when_not_a_terminal(run_lxpack, hello, tmp_path):
    r = run_lxpack(hello, "-o", tmp_path / "T", "--format", "dir")
    assert r.returncode == 0
    # no bar: only the lines a pack always prints (what was added, the summary)
    assert r.err_lines[-1].startswith("lxpack: packed ")
    assert all(x.startswith(("lxpack: packed ", "lxpack: added ")) for x in r.err_lines), r.err_lines
