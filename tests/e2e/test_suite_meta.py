"""Checks on the e2e suite itself (no lxpack involved): the samples' shared
block is in sync, headers parse, every sample's suite is a registered marker
and some test runs it, and the harness's comparison and process bookkeeping
behave."""
import importlib
import pathlib
import subprocess
import sys
import time

import harness
import sync_samples


def test_common_block_in_sync():
    stale = sync_samples.out_of_date()
    assert not stale, "run `python tests/e2e/sync_samples.py --write FILE`; out of date: %s" % [str(p) for p in stale]


def test_headers_parse():
    samples = harness.discover_samples()
    assert samples, "no samples found in %s" % harness.SAMPLES_DIR
    for s in samples:
        ids = [c.id for c in s.cases]
        assert len(ids) == len(set(ids)), "%s: duplicate cases %s" % (s.name, ids)


def test_differences_are_reported(tmp_path):
    a = harness.Result(["p"], 0, b"same\nnative\n", b"", 0, 1, files={"f": "file 0644"})
    b = harness.Result(["p"], -11, b"same\nlxpack\n", b"boom\n", 0, 1, files={}, leftovers=["1 x"])
    text = "\n".join(harness.differences(a, b))
    for want in ("exit status: native 0, lxpack -11 (death by SIGSEGV", "-native", "+lxpack", "+boom",
                 "-f: file 0644", "processes left behind"):
        assert want in text, "%r missing from:\n%s" % (want, text)
    assert harness.differences(a, a) == []


def test_timeout_kills_the_process_group(tmp_path):
    r = harness.run_native(["sh", "-c", "sleep 30 & sleep 30"], tmp_path, timeout=0.5)
    assert r.timed_out and r.elapsed < 10 and r.status_text().startswith("killed after timeout")
    assert harness.group_members(r.pid) == [], "the timed-out run's group was not killed"
    harness.LEFTOVERS[:] = [l for l in harness.LEFTOVERS if "sleep 30" not in l]


def test_leftovers_are_seen(tmp_path):
    r = harness.run_native(["sh", "-c", "sleep 30 & exit 0"], tmp_path, timeout=10)
    assert r.status == 0 and any("sleep 30" in l for l in r.leftovers), r
    harness.LEFTOVERS[:] = [l for l in harness.LEFTOVERS if "sleep 30" not in l]


def test_marked_processes_are_found(tmp_path):
    p = subprocess.Popen([sys.executable, "-X", harness.SESSION_MARK, "-c", "import time; time.sleep(30)",
                          "-m", "lxpack", "run"])
    try:
        for _ in range(100):
            if any(str(p.pid) == l.split()[0] for l in harness.marked_processes()):
                break
            time.sleep(0.05)
        assert any(str(p.pid) == l.split()[0] for l in harness.marked_processes())
    finally:
        p.kill()
        p.wait()


def _registered_markers(config):
    return {line.split(":")[0].strip() for line in config.getini("markers")}


def test_sample_suites_are_registered_markers(pytestconfig):
    """`lxpack-suite:` values are the topic markers of pyproject.toml (the
    one registry), or the default `single`."""
    markers = _registered_markers(pytestconfig)
    bad = ["%s: %s" % (s.name, s.suite) for s in harness.discover_samples()
           if s.suite != "single" and s.suite not in markers]
    assert not bad, "lxpack-suite values not registered as markers in pyproject.toml: %s" % bad


def test_no_marker_is_registered_twice(pytestconfig):
    names = [line.split(":")[0].strip() for line in pytestconfig.getini("markers")]
    assert len(names) == len(set(names)), names


def test_every_sample_is_run_by_a_test():
    """Each e2e test module that runs samples lists them in SAMPLES; a
    sample in none of them (a new suite, a name no prefix selects, an
    `lxpack-e2e: no` sample without its own test) would never be checked."""
    run = {}
    for path in sorted(pathlib.Path(__file__).parent.glob("test_*.py")):
        module = importlib.import_module(path.stem)
        for s in getattr(module, "SAMPLES", ()):
            run.setdefault(s.name, []).append(path.stem)
    orphans = [s.name for s in harness.discover_samples() if s.name not in run]
    assert not orphans, "samples no test runs: %s (see samples/README.md, lxpack-suite)" % orphans
