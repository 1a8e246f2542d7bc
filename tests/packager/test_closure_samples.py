"""Closure resolution on purpose-built samples: RPATH vs RUNPATH, $ORIGIN,
$LIB/$PLATFORM, symlink chains, missing and unloadable libraries, wrong
class, DF_1_NODEFLIB, symbol versions and dlopen'd plugins. Each case is
checked against its expected paths and, where ld.so can be asked, ldd."""
import os

import pytest
from conftest import ldd, reached

from lxpack.packager.closure import Resolver

CASES = [
    "rpath", "rpath_before_ld_library_path", "runpath", "ld_library_path_before_runpath",
    "rpath_ignored_with_runpath", "rpath_inherited", "runpath_not_inherited",
    "requester_runpath_beats_inherited_rpath", "origin", "origin_braced", "origin_in_library",
    "dst_lib", "dst_platform", "symlink_chain", "missing", "wrong_class_skipped",
    "not_elf_stops_search", "nodeflib", "version_unsatisfied", "version_satisfied", "hello",
]


def _resolve(case):
    return Resolver(library_path=case.library_path).resolve(str(case.program))


def _edges(closure):
    return {e.name: e.path for o in closure.objects for e in o.edges}


@pytest.mark.parametrize("name", CASES)
def test_sample_resolves_as_expected(closure_samples, name):
    if name not in closure_samples.cases:
        pytest.skip("sample %s could not be built here" % name)
    case = closure_samples[name]
    closure = _resolve(case)
    edges = _edges(closure)
    for needed, expected in case.expect.items():
        assert needed in edges, (needed, edges)
        assert edges[needed] == expected, (needed, edges[needed], expected)
        if expected is None:
            assert needed in {m.name for m in closure.missing}


@pytest.mark.parametrize("name", CASES)
def test_sample_matches_ldd(closure_samples, name):
    if name not in closure_samples.cases:
        pytest.skip("sample %s could not be built here" % name)
    case = closure_samples[name]
    if not case.ldd_oracle:
        pytest.skip("ld.so refuses this one outright")
    oracle = ldd(case.program, case.library_path)
    closure = _resolve(case)
    paths, missing, output = oracle
    assert reached(closure) == paths
    assert {m.name for m in closure.missing} == missing
    for u in closure.unsatisfied:
        assert "version `%s' not found (required by %s)" % (u.version, u.needed_by) in output
    assert ("not found (required by" in output) == bool(closure.unsatisfied)


def test_reasons_name_the_search_step(closure_samples):
    s = closure_samples
    by = lambda case: {o.path: o.reason for o in _resolve(s[case]).objects}  # noqa: E731
    assert by("rpath")[str(s.root / "dep/A/libdep.so")] == "RPATH"
    assert by("runpath")[str(s.root / "dep/A/libdep.so")] == "RUNPATH"
    assert by("ld_library_path_before_runpath")[str(s.root / "dep/B/libdep.so")] == "LD_LIBRARY_PATH"
    inherited = by("rpath_inherited")[str(s.root / "leaf/L/libleaf.so")]
    assert inherited == "RPATH of %s" % s["rpath_inherited"].program
    hello = _resolve(s["hello"])
    libc = [o for o in hello.objects if o.info.soname == "libc.so.6"][0]
    assert libc.reason in ("ld.so.cache", "system dir")


def test_wrong_class_candidate_is_skipped_and_reported(closure_samples):
    closure = _resolve(closure_samples["wrong_class_skipped"])
    assert [s.path for s in closure.skipped] == [str(closure_samples.wrong_class_lib)]
    assert "32-bit" in closure.skipped[0].why


def test_non_elf_candidate_is_reported_as_unloadable(closure_samples):
    closure = _resolve(closure_samples["not_elf_stops_search"])
    (missing,) = closure.missing
    assert missing.name == "libdep.so"
    assert "invalid ELF header" in missing.detail


def test_unsatisfied_version_names_version_provider_and_symbol(closure_samples):
    case = closure_samples["version_unsatisfied"]
    closure = _resolve(case)
    (u,) = closure.unsatisfied
    assert (u.file, u.version, u.needed_by) == ("libvers.so.1", "VERS_2", str(case.program))
    assert u.provider.endswith("/vers/v1/libvers.so.1")
    assert u.symbols == ["vers_new"]
    assert not _resolve(closure_samples["version_satisfied"]).unsatisfied


def test_symlink_chain_head_is_the_loaded_path(closure_samples):
    closure = _resolve(closure_samples["symlink_chain"])
    chain = [o for o in closure.objects if o.info.soname == "libchain.so.1"][0]
    assert chain.path == str(closure_samples.chain_dir / "libchain.so.1")
    assert os.path.islink(chain.path)


def test_included_plugin_brings_its_own_closure(closure_samples):
    s = closure_samples
    closure = Resolver().resolve(str(s["dlopen_main"].program), [str(s.plugin)])
    kinds = {o.path: o.kind for o in closure.objects}
    assert kinds[str(s.plugin)] == "included"
    dep = str(s.plugin.parent) + "/../deps/libplugdep.so"
    assert kinds[dep] == "library"
    assert closure.by_path(dep).reason == "RUNPATH"
    assert closure.complete


def test_static_program_has_no_interpreter_or_libraries(closure_samples):
    if closure_samples.static_hello is None:
        pytest.skip("no static libc here")
    closure = Resolver().resolve(str(closure_samples.static_hello))
    assert closure.interpreter is None
    assert [o.kind for o in closure.objects] == ["program"]
    assert closure.complete


def test_a_shared_library_gets_the_default_interpreter():
    closure = Resolver().resolve("/usr/lib/x86_64-linux-gnu/libz.so.1")
    assert closure.interpreter is not None
    assert closure.interpreter.path == "/lib64/ld-linux-x86-64.so.2"


MUSL_LDSO = "/lib/ld-musl-x86_64.so.1"


@pytest.mark.parametrize("name", ["hello", "mid_runpath"])
def test_musl_program_matches_musl_ldd(closure_samples, name):
    import re
    import subprocess
    prog = closure_samples.musl.get(name)
    if prog is None or not os.path.exists(MUSL_LDSO):
        pytest.skip("musl-gcc or musl's loader is not installed")
    out = subprocess.run([MUSL_LDSO, "--list", str(prog)], capture_output=True, text=True).stdout
    oracle = {}
    for line in out.splitlines():
        m = re.match(r"^\s*(\S+) => (\S+) \(0x", line)
        if m:
            oracle[m.group(1)] = m.group(2)
    closure = Resolver().resolve(str(prog))
    assert _edges(closure) == oracle
    assert closure.complete and closure.interpreter.path == MUSL_LDSO
    if name == "mid_runpath":  # musl inherits DT_RUNPATH; glibc would not find libleaf.so
        leaf = [o for o in closure.objects if o.path.endswith("libleaf.so")][0]
        assert leaf.reason == "RUNPATH of %s" % prog
