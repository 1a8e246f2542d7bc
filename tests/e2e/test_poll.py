"""Multiplexing and event descriptors, differential: the poll_*
samples (`lxpack-suite: net`) in every variant: an edge-triggered epoll echo
server with 100 concurrent clients, level/edge/one-shot semantics, nested
epoll, eventfd/timerfd/signalfd loops, poll/select/ppoll/pselect over pipes
and sockets together, EINTR and signal masks. Loops in the samples are
bounded in count and time."""
import pytest

import harness
from test_samples import run_sample_case

SAMPLES = [s for s in harness.discover_samples() if s.run and s.suite == "net" and s.name.startswith("poll_")]
PARAMS = [pytest.param(s, c, id="%s-%s" % (s.name, c.id)) for s in SAMPLES for c in s.cases]


@pytest.mark.parametrize("sample,case", PARAMS)
def test_sample(sample, case, variant, backend, sample_builds, workdir):
    run_sample_case(sample, case, variant, backend, sample_builds, workdir)
