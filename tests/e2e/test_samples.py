"""Each single-process sample (samples/*.c), built in every variant,
run natively and under `lxpack run --backend B`; status, stdout, stderr and the
files it leaves must be the same. A sample first has to give its declared
status natively (its `lxpack-cases:` header), so a broken sample is not
mistaken for a broken runtime."""
import pytest

import harness

SAMPLES = [s for s in harness.discover_samples() if s.run and s.suite == "single"]
PARAMS = [pytest.param(s, c, id="%s-%s" % (s.name, c.id)) for s in SAMPLES for c in s.cases]


def run_sample_case(sample, case, variant, backend, sample_builds, workdir, timeout=None):
    exe = sample_builds.get(sample.name, variant)
    native, lx = harness.run_pair([str(exe)] + list(case.args), backend, workdir, timeout=timeout)
    assert native.status == case.expect, (
        "sample %s %s is broken natively: status %s, want %s\nstdout:\n%s\nstderr:\n%s"
        % (sample.name, " ".join(case.args), native.status_text(),
           harness.describe_status(case.expect),
           native.stdout.decode(errors="replace")[-4000:], native.stderr.decode(errors="replace")))
    harness.assert_same(native, lx)


@pytest.mark.parametrize("sample,case", PARAMS)
def test_sample(sample, case, variant, backend, sample_builds, workdir):
    run_sample_case(sample, case, variant, backend, sample_builds, workdir)
