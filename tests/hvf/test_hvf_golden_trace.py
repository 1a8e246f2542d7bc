"""The framework calls the hvf backend makes for two programs, recorded
through the KVM double (LXPACK_HVF_TRACE), against the golden traces in
tests/hvf/golden/. The same files are what a first run on a real Intel Mac
is compared with:

    LXPACK_HVF_TRACE=/tmp/mine lxpack run --backend hvf -- ./hello
    python -m lxpack.runtime.vmm.hvf.trace tests/hvf/golden/hello.trace /tmp/mine

(on a Mac the control words differ where its capabilities differ from the
double's: that is the first thing to look at). hello is compared whole (set-up,
every exit reason and qualification, external-interrupt exits dropped);
threads, whose exits depend on timing, by each vCPU's set-up (up to its
first exit) and the number of vCPUs. Regenerate with LXPACK_HVF_GOLDEN=write.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lxpack.runtime.vmm.hvf import trace

pytestmark = [pytest.mark.kvm, pytest.mark.hvf]
ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "golden"

if not os.path.exists("/dev/kvm"):
    pytest.skip("the double runs on KVM: no /dev/kvm here", allow_module_level=True)


def _record(tmp_path, sample, cflags=()):
    exe = tmp_path / sample
    subprocess.run(["gcc", "-O1", "-o", str(exe), str(ROOT / "samples" / (sample + ".c"))] + list(cflags),
                   check=True)
    out = tmp_path / (sample + ".trace")
    env = dict(os.environ, LXPACK_HVF_DOUBLE="kvm", LXPACK_HVF_DOUBLE_SPURIOUS="0", LXPACK_HVF_TRACE=str(out))
    r = subprocess.run([sys.executable, "-m", "lxpack", "run", "--backend", "hvf", "--", str(exe)],
                       env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120, cwd=str(tmp_path))
    assert r.returncode == 0, r.stderr.decode()
    return out.read_text()


def _setup_only(norm):
    out = {}
    for key, events in norm.items():
        cut = next((i for i, e in enumerate(events) if e.startswith("exit ")), len(events))
        out[key] = events[:cut]
    return out


@pytest.mark.parametrize("sample,cflags,whole", [("hello", (), True), ("threads", ("-pthread",), False)],
                         ids=["hello", "threads"])
def test_calls_match_the_golden_trace(tmp_path, sample, cflags, whole):
    mine = _record(tmp_path, sample, cflags)
    golden = GOLDEN / (sample + ".trace")
    if os.environ.get("LXPACK_HVF_GOLDEN") == "write":
        GOLDEN.mkdir(exist_ok=True)
        golden.write_text(mine)
    a = trace.normalize(golden.read_text().splitlines())
    b = trace.normalize(mine.splitlines())
    if not whole:
        a, b = _setup_only(a), _setup_only(b)
    assert sorted(a) == sorted(b)
    for key in a:
        assert a[key] == b[key], "process %d %s differs from %s" % (key[0], key[1], golden)
