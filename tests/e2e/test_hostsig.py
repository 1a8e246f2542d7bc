"""Host signals (SIGHUP, SIGINT, SIGUSR1, SIGTERM) sent to a running
guest by a host program reach its handlers, its default actions or its
SIG_IGN exactly as natively. The `hostsig` sample is driven through
stdin/stdout and kill(2) (to the runtime process under lxpack)."""
import signal

import pytest

import harness

S = signal.Signals
SAMPLES = [s for s in harness.discover_samples() if s.name == "hostsig"]   # not run by test_samples.py

CASES = {
    "handle": [("expect", b"ready\n"),
               ("signal", S.SIGHUP), ("expect", b"after SIGHUP\n"),
               ("signal", S.SIGINT), ("expect", b"after SIGINT\n"),
               ("signal", S.SIGUSR1), ("expect", b"after SIGUSR1\n"),
               ("signal", S.SIGTERM), ("expect", b"handled 4 signals\n")],
    "spin": [("expect", b"spinning\n"), ("signal", S.SIGINT)],
    "default": [("expect", b"blocked\n"), ("signal", S.SIGHUP)],
    "ignore": [("expect", b"ignoring\n"), ("signal", S.SIGINT), ("signal", S.SIGTERM),
               ("send", b"x"), ("expect", b"still alive\n"), ("signal", S.SIGHUP)],
}
EXPECT = {"handle": 0, "spin": 3, "default": -1, "ignore": -1}


@pytest.mark.parametrize("mode", list(CASES))
def test_host_signal(mode, variant, backend, sample_builds, workdir):
    argv = [str(sample_builds.get(SAMPLES[0].name, variant)), mode]
    native = harness.converse(argv, workdir, CASES[mode])
    assert native.status == EXPECT[mode], "natively: %s\n%s" % (native.status_text(), native.stdout.decode())
    lx = harness.converse(argv, workdir, CASES[mode], backend=backend)
    harness.assert_same(native, lx)
