"""`lxpack run` options that change what the runtime prints or sees, checked
against a native run: --strace / --strace-file / --stats add diagnostics but
must not change the program's own status, stdout or files; --root overlays a
directory on the host's paths. These need the real runtime, so they are
skipped in self-test mode."""
import re
import shutil

import pytest

import harness

# strace-style lines, optionally prefixed with "[pid N] " like strace -f
PREFIX = r"^(\[pid +\d+\] )?"

pytestmark = pytest.mark.skipif(bool(harness.SELFTEST), reason="self-test mode: needs the real lxpack runtime")


def _sample(sample_builds, variant="dyn"):
    return str(sample_builds.get("exitstatus", variant))


def test_strace_to_stderr(backend, sample_builds, workdir):
    argv = [_sample(sample_builds), "exit", "3"]
    native, lx = harness.run_pair(argv, backend, workdir, lxpack_args=["--strace"])
    harness.assert_same(native, lx, compare=("status", "stdout", "files", "leftovers"))
    err = lx.stderr.decode(errors="replace")
    assert native.stderr.decode() in err, "the program's own stderr is missing:\n" + err[-3000:]
    assert re.search(PREFIX + r"write\(", err, re.M), "no strace line for write(2):\n" + err[-3000:]
    assert re.search(PREFIX + r"exit_group\(3", err, re.M), "no strace line for exit_group(3):\n" + err[-3000:]
    assert "Traceback" not in err


def test_strace_file(backend, sample_builds, workdir, tmp_path):
    trace = tmp_path / "trace.txt"
    argv = [_sample(sample_builds, "static"), "exit", "4"]
    native, lx = harness.run_pair(argv, backend, workdir, lxpack_args=["--strace-file", str(trace)])
    harness.assert_same(native, lx)
    text = trace.read_text(errors="replace")
    assert re.search(PREFIX + r"exit_group\(4", text, re.M), "no exit_group(4) line in the trace file:\n" + text[-3000:]


def test_stats(backend, sample_builds, workdir):
    argv = [_sample(sample_builds), "return", "7"]
    native, lx = harness.run_pair(argv, backend, workdir, lxpack_args=["--stats"])
    harness.assert_same(native, lx, compare=("status", "stdout", "files", "leftovers"))
    err = lx.stderr.decode(errors="replace")
    assert native.stderr.decode() in err
    assert re.search(r"\bwrite\b", err), "--stats should count write:\n" + err[-3000:]


def test_stats_after_the_program_closed_stderr(backend, workdir):
    """ls closes stdout and stderr before it exits (gnulib close_stdout):
    --stats still reaches the terminal and the status is ls's own."""
    argv = [shutil.which("ls"), "/lxpack-e2e-does-not-exist"]
    native, lx = harness.run_pair(argv, backend, workdir, lxpack_args=["--stats"])
    assert native.status == 2
    harness.assert_same(native, lx, compare=("status", "stdout", "files", "leftovers"))
    err = lx.stderr.decode(errors="replace")
    assert native.stderr.decode() in err
    assert re.search(r"^wall time: .* guest .* unikernel .* host", err, re.M), err[-3000:]
    assert "Traceback" not in err


def test_root_overlay(backend, sample_builds, workdir, tmp_path):
    """A file under --root DIR shadows the host path; the program itself can
    come from the root; other paths still reach the host."""
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "lxpack-e2e-overlay.txt").write_text("from the overlay root\n")
    (root / "opt").mkdir()
    shutil.copy(_sample(sample_builds, "static"), root / "opt" / "prog")
    cat = shutil.which("cat", path=harness.FIXED_PATH)
    lx = harness.run_lxpack([cat, "/etc/lxpack-e2e-overlay.txt"], backend, workdir,
                            lxpack_args=["--root", str(root)])
    assert (lx.status, lx.stdout) == (0, b"from the overlay root\n"), lx.stderr.decode(errors="replace")[-3000:]
    (workdir / "host.txt").write_text("from the host\n")
    lx = harness.run_lxpack([cat, str(workdir / "host.txt")], backend, workdir, lxpack_args=["--root", str(root)])
    assert (lx.status, lx.stdout) == (0, b"from the host\n"), lx.stderr.decode(errors="replace")[-3000:]
    lx = harness.run_lxpack(["/opt/prog", "exit", "6"], backend, workdir, lxpack_args=["--root", str(root)])
    assert lx.status == 6, "a program inside --root: %s\n%s" % (lx.status_text(), lx.stderr.decode()[-3000:])
