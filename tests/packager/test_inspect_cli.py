"""`lxpack inspect` (tree and --json) and the CLI side of `lxpack pack`:
progress output only on a terminal, --quiet, the default command."""
import json
import os
import pty
import subprocess
import sys

from lxpack.packager.pack import choose_format, default_name


def test_inspect_tree_shows_paths_and_reasons(run_lxpack, closure_samples):
    s = closure_samples
    case = s["rpath_inherited"]
    r = run_lxpack("inspect", case.program)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("%s (interpreter => " % case.program)
    assert "    libmid.so => %s/mid/M/libmid.so [RPATH]" % s.root in lines
    assert "        libleaf.so => %s/leaf/L/libleaf.so [RPATH of %s]" % (s.root, case.program) in lines
    assert any(line.strip().startswith("libc.so.6 => ") for line in lines)


def test_inspect_flags_missing_and_versions(run_lxpack, closure_samples):
    r = run_lxpack("inspect", closure_samples["missing"].program)
    assert r.returncode == 3
    assert "    libgone.so => !! not found" in r.stdout.splitlines()
    assert "missing libraries:" in r.stdout
    assert r.err_lines == ["lxpack: closure of %s is incomplete: 1 missing library, 0 unsatisfied "
                           "versions" % closure_samples["missing"].program]
    r = run_lxpack("inspect", closure_samples["version_unsatisfied"].program)
    assert r.returncode == 3
    assert "!! missing version VERS_2" in r.stdout
    assert "version VERS_2 not found" in r.stdout


def test_inspect_library_path_and_include(run_lxpack, closure_samples):
    s = closure_samples
    case = s["ld_library_path_before_runpath"]
    r = run_lxpack("inspect", case.program, "--library-path", case.library_path)
    assert "libdep.so => %s/libdep.so [LD_LIBRARY_PATH]" % case.library_path in r.stdout
    r = run_lxpack("inspect", s["dlopen_main"].program, "--include", s.plugin)
    assert r.returncode == 0
    assert "%s [--include]" % s.plugin in r.stdout
    assert "libplugdep.so => " in r.stdout


def test_inspect_json(run_lxpack, closure_samples):
    case = closure_samples["version_unsatisfied"]
    r = run_lxpack("inspect", "--json", case.program)
    data = json.loads(r.stdout)
    assert data["program"] == str(case.program)
    assert data["interpreter"] == "/lib64/ld-linux-x86-64.so.2"
    assert data["complete"] is False
    assert data["unsatisfied_versions"][0]["version"] == "VERS_2"
    objs = {o["path"]: o for o in data["objects"]}
    prog = objs[str(case.program)]
    assert prog["kind"] == "program"
    assert [n["name"] for n in prog["needed"]] == ["libvers.so.1", "libc.so.6"]
    assert r.stdout == json.dumps(data, indent=2, sort_keys=True) + "\n"


def test_inspect_static(run_lxpack, closure_samples):
    if closure_samples.static_hello is None:
        return
    r = run_lxpack("inspect", closure_samples.static_hello)
    assert r.returncode == 0 and "(statically linked)" in r.stdout


def test_pack_is_the_default_command_and_prints_one_summary(run_lxpack, hello, tmp_path):
    r = run_lxpack(hello, "-o", tmp_path / "a.app")
    assert r.returncode == 0
    assert r.stdout == ""
    # One "added" line per rule that packed something beyond the closure, then one summary.
    added = [ln for ln in r.err_lines if ln.startswith("lxpack: added ")]
    assert added == ["lxpack: added locale: /usr/lib/locale/C.utf8/"] or not os.path.isdir(
        "/usr/lib/locale/C.utf8")
    rest = [ln for ln in r.err_lines if ln not in added]
    assert len(rest) == 1 and rest[0].startswith("lxpack: packed ")
    r = run_lxpack(hello, "-o", tmp_path / "d.app", "--no-auto-data")
    assert len(r.err_lines) == 1 and r.err_lines[0].startswith("lxpack: packed ")
    r = run_lxpack("pack", hello, "-o", tmp_path / "b.app", "--quiet")
    assert r.returncode == 0 and r.stdout == "" and r.stderr == ""
    r = run_lxpack("pack", hello, "-o", tmp_path / "c.run", "-q")
    assert r.returncode == 0 and os.access(tmp_path / "c.run", os.X_OK)


def _run_on_tty(args, cwd):
    """Run lxpack with stderr on a pseudo-terminal; return what it printed there."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "lxpack", *map(str, args)], cwd=cwd,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=120)
    os.close(master)
    return proc.returncode, b"".join(chunks).decode("utf-8", "replace")


def test_progress_bar_only_on_a_terminal(hello, tmp_path):
    code, shown = _run_on_tty([hello, "-o", tmp_path / "t.app"], tmp_path)
    assert code == 0
    assert "\x1b[" in shown  # rich drew (and cleared) a live bar
    assert "lxpack: packed" in shown
    code, shown = _run_on_tty([hello, "-o", tmp_path / "q.app", "--quiet"], tmp_path)
    assert code == 0 and shown == ""


def test_format_and_name_defaults():
    assert choose_format("Tool.app", None) == "app"
    assert choose_format("Tool.app/", None) == "app"
    assert choose_format("tool.run", None) == "onefile"
    assert choose_format("tool", None) == "onefile"
    assert choose_format("Tool.app", "dir") == "dir"
    assert default_name("out/Tool.app") == "Tool"
    assert default_name("tool.run") == "tool"
    assert default_name("tool") == "tool"
