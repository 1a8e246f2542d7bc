"""Terminal ioctls. The `tty` sample and a few real programs run with
a fresh pseudo-terminal as their controlling terminal, stdin and stdout,
natively and under lxpack; what the terminal shows, stderr and the status
must be the same."""
import shutil

import pytest

import harness

SAMPLES = [s for s in harness.discover_samples() if s.name == "tty"]   # not run by test_samples.py


def _compare(argv, backend, workdir):
    native = harness.run_tty(argv, workdir)
    lx = harness.run_tty(argv, workdir, backend=backend)
    harness.assert_same(native, lx)
    return native


def test_tty_sample(variant, backend, sample_builds, workdir):
    exe = sample_builds.get(SAMPLES[0].name, variant)
    native = _compare([str(exe)], backend, workdir)
    assert native.status == 0, "the tty sample fails natively:\n" + native.stdout.decode(errors="replace")


@pytest.mark.parametrize("argv", [["stty", "-a"], ["stty", "size"], ["tty"], ["tput", "cols"]],
                         ids=lambda a: "-".join(a))
def test_tty_program(argv, backend, workdir):
    exe = shutil.which(argv[0], path=harness.FIXED_PATH)
    if exe is None:
        pytest.skip("%s is not installed" % argv[0])
    if argv[0] == "tty":
        # the pts number differs between the two runs: compare the shape only
        native = harness.run_tty([exe], workdir)
        lx = harness.run_tty([exe], workdir, backend=backend)
        assert native.stdout.startswith(b"/dev/pts/"), native.stdout
        assert (lx.status, lx.stdout[:9], lx.stderr) == (native.status, b"/dev/pts/", native.stderr), lx
        return
    _compare([exe] + argv[1:], backend, workdir)
