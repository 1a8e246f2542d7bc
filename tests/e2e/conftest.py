"""Fixtures of the differential end-to-end suite (see harness.py and
samples/README.md).

- sample_builds (session): every samples/*.c compiled once per build variant,
  two compilers at a time in the background; a test waits only for its own.
- variant: dyn | static | static-pie | musl-static | musl-dyn (skipped with the
  reason where the compiler or loader is missing).
- backend: unicorn | kvm | hvf (kvm marked `kvm`; hvf marked `hvf`, off a Mac
  through its KVM test double, runtime/vmm/hvf/double.py); a backend that
  lxpack.launch.boot.probe_backends() does not report ok is skipped with
  its reason.
- workdir: an empty directory for the case; both runs of a pair use it.
- the session checks that no runtime process it started outlives it.
"""
import concurrent.futures
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402

BACKENDS = ["unicorn", "kvm", "hvf"]
_MARKS = {"kvm": [pytest.mark.kvm], "hvf": [pytest.mark.hvf, pytest.mark.kvm] if sys.platform != "darwin"
          else [pytest.mark.hvf]}


def pytest_configure(config):
    harness.no_core_files()
    harness.default_signal_dispositions()


# The hvf column runs through a test double that costs ~2.6x kvm per VM
# exit: by default a sample runs on it in two build variants (glibc dynamic,
# and musl static, whose first system call is served inside the VM), every
# other test in full; LXPACK_HVF_COLUMN=full runs every variant.
HVF_VARIANTS = ("dyn", "musl-static")


def pytest_collection_modifyitems(config, items):
    if os.environ.get("LXPACK_HVF_COLUMN") == "full":
        return
    keep, drop = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if params.get("backend") == "hvf" and params.get("variant", "dyn") not in HVF_VARIANTS:
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_report_header(config):
    if harness.SELFTEST:
        return ["lxpack e2e: SELF-TEST mode (%s): 'lxpack' runs are native runs"
                % harness.SELFTEST]
    return ["lxpack e2e: runtime marker -X %s, lxpack timeout %ss"
            % (harness.SESSION_MARK, harness.LX_TIMEOUT)]


# ---------------------------------------------------------------- backends

_probe_lock = threading.Lock()
_probe_cache = {}


def backend_status(name):
    """(ok, reason) for backend `name`, from one probe per session."""
    with _probe_lock:
        if "all" not in _probe_cache:
            from lxpack.launch import boot
            _probe_cache["all"] = {b.name: b for b in boot.probe_backends()}
            if sys.platform != "darwin":
                _probe_cache["all"]["hvf"] = _probe_hvf_double()
    b = _probe_cache["all"].get(name)
    if b is None:
        return False, "backend %s: not reported by lxpack.launch.boot.probe_backends()" % name
    if not b.ok:
        return False, "backend %s unavailable: %s" % (name, b.reason)
    return True, ""


def _probe_hvf_double():
    """The hvf backend's probe result through its test double (in a child:
    the double is chosen per process)."""
    from lxpack.runtime.vmm.registry import ProbeResult
    code = ("from lxpack.launch import boot\n"
            "r = [b for b in boot.probe_backends() if b.name == 'hvf'][0]\n"
            "print(int(r.ok), r.reason)")
    p = subprocess.run([sys.executable] + harness.hvf_double_args("hvf") + ["-c", code],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
    out = p.stdout.decode("utf-8", "replace").strip()
    ok = out[:1] == "1" and p.returncode == 0
    return ProbeResult("hvf", ok, out[2:] if ok else (out.splitlines() or ["?"])[-1])


@pytest.fixture(params=[pytest.param(b, marks=_MARKS.get(b, []), id=b)
                        for b in BACKENDS])
def backend(request):
    name = request.param
    if harness.SELFTEST:
        if name != BACKENDS[0]:
            pytest.skip("self-test mode: one backend is enough to check the harness")
        return name
    ok, reason = backend_status(name)
    if not ok:
        pytest.skip(reason)
    return name


# ---------------------------------------------------------------- builds

class SampleBuilds:
    """Compiles every (sample, variant) in a pool of two; get() waits for one."""

    def __init__(self, outdir: Path, samples):
        self.outdir = outdir
        self.samples = {s.name: s for s in samples}
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=2)
        self.futures = {}
        for s in samples:
            for v in harness.VARIANTS:
                if harness.variant_unavailable(v) is None:
                    self.futures[s.name, v] = self.pool.submit(self._build, s, v)

    def _build(self, sample, variant):
        out = self.outdir / variant / sample.name
        out.parent.mkdir(parents=True, exist_ok=True)
        cmd = harness.compile_command(sample, variant, out)
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
        if p.returncode != 0:
            return None, "%s\n%s" % (" ".join(cmd), p.stdout.decode(errors="replace"))
        return out, ""

    def get(self, name, variant) -> Path:
        why = harness.variant_unavailable(variant)
        if why:
            pytest.skip("variant %s: %s" % (variant, why))
        path, log = self.futures[name, variant].result()
        if path is None:
            pytest.fail("sample %s did not compile (%s):\n%s" % (name, variant, log), pytrace=False)
        return path

    def close(self):
        self.pool.shutdown(wait=True, cancel_futures=True)


@pytest.fixture(scope="session")
def sample_builds(tmp_path_factory):
    builds = SampleBuilds(tmp_path_factory.mktemp("samples-bin"), harness.discover_samples())
    yield builds
    builds.close()


@pytest.fixture(params=list(harness.VARIANTS))
def variant(request):
    why = harness.variant_unavailable(request.param)
    if why:
        pytest.skip("variant %s: %s" % (request.param, why))
    return request.param


@pytest.fixture
def workdir(tmp_path):
    d = tmp_path / "wd"
    d.mkdir()
    return d


# ---------------------------------------------------------------- orphans

@pytest.fixture(scope="session", autouse=True)
def no_orphaned_runtimes():
    """After the session: no runtime process this session started is alive,
    and no run left processes behind in its process group."""
    yield
    alive = harness.marked_processes()
    harness.kill_marked()
    problems = []
    if alive:
        problems.append("runtime processes still alive after the e2e session (killed now):\n  "
                        + "\n  ".join(alive))
    if harness.LEFTOVERS:
        problems.append("runs that left processes behind (killed when seen):\n  "
                        + "\n  ".join(harness.LEFTOVERS))
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)
