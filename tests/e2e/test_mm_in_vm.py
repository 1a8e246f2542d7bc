"""Anonymous mmap/munmap served inside the VM (kvm, hvf): the memory samples
give native results with the served munmap's ring-0 invalidation forced on
and off (a host picks one by its costs, so this machine runs both paths),
and --stats shows the calls were served in the VM, not left to the host."""
import re

import pytest

import harness
from test_samples import run_sample_case

_IN_VM = {s.name: s for s in harness.discover_samples() if s.name in ("mm", "mm_faults", "mm_window")}
SAMPLES = list(_IN_VM.values())          # what the suite meta-test reads


def _guest_code(backend):
    if backend == "unicorn":
        pytest.skip("unicorn has no guest code: nothing is served in the VM")


@pytest.mark.parametrize("ring0", ["0", "1"])
@pytest.mark.parametrize("name", sorted(_IN_VM))
def test_mm_sample_ring0_path(name, ring0, variant, backend, sample_builds, workdir, monkeypatch):
    _guest_code(backend)
    monkeypatch.setattr(harness, "XOPTIONS", ["lxpack_kvm_ring0_unmap=" + ring0])
    for case in _IN_VM[name].cases:
        run_sample_case(_IN_VM[name], case, variant, backend, sample_builds, workdir)


def _served(stderr, name):
    """Calls of `name` served inside the VM, over every process's --stats."""
    total = 0
    for m in re.finditer(r"syscalls served inside the VM: \d+ \(([^)]*)\)", stderr):
        for part in m.group(1).split(", "):
            call, _, n = part.partition(" ")
            if call == name:
                total += int(n)
    return total


@pytest.mark.parametrize("ring0", ["0", "1"])
def test_mm_window_served_in_vm(ring0, backend, sample_builds, workdir, monkeypatch):
    _guest_code(backend)
    monkeypatch.setattr(harness, "XOPTIONS", ["lxpack_kvm_ring0_unmap=" + ring0])
    exe = sample_builds.get("mm_window", "dyn")
    r = harness.run_lxpack([str(exe)], backend, workdir, lxpack_args=["--stats"])
    assert r.status == 0, r.stderr.decode(errors="replace")[-3000:]
    err = r.stderr.decode(errors="replace")
    # 371 mmaps natively; those not above a hole and within the window stay in the VM.
    assert _served(err, "mmap") >= 300, err[-3000:]
    # Untouched mappings are unmapped in the VM on any host; touched ones
    # only through the ring-0 path (the sample unmaps ~60 in LIFO order).
    assert _served(err, "munmap") >= (50 if ring0 == "1" else 1), err[-3000:]
