"""Profiles: `lxpack trace` records what a program tree looks up (checked
against what the shell script it runs really did), the profile format
(raw records, tidy merged form, several runs), what `--profile` packs and
leaves out, and `lxpack inspect --profile`."""
import json
import os
import shutil

import pytest

from lxpack.packager import profile, profile_pick
from lxpack.unikernel.kernel import pathtrace

SH = shutil.which("sh")


def _ops(prof_path):
    prof = profile.load(str(prof_path))
    return prof, {p: u.ops for p, u in prof.paths.items()}


@pytest.fixture
def tree(tmp_path):
    d = tmp_path / "data"
    (d / "dir").mkdir(parents=True)
    (d / "dir" / "a").write_text("a\n")
    (d / "file").write_text("content\n")
    (d / "sub").mkdir()
    (d / "sub" / "rel").write_text("relative\n")
    return d


@pytest.mark.skipif(SH is None, reason="no sh")
def test_trace_records_what_a_process_tree_looks_up(run_lxpack, tree, tmp_path):
    prof_path = tmp_path / "p.prof"
    script = ("cat %(d)s/file; ls %(d)s/dir; cat %(d)s/missing 2>/dev/null; "
              "cd %(d)s/sub && cat rel; test -e %(d)s/nothere; exit 3" % {"d": tree})
    r = run_lxpack("trace", "-o", prof_path, "--", SH, "-c", script)
    assert r.returncode == 3, r.stderr              # the program's own status
    assert r.stdout == "content\na\nrelative\n"
    prof, ops = _ops(prof_path)
    d = str(tree)
    assert "open:ok" in ops[d + "/file"]
    assert "open:ENOENT" in ops[d + "/missing"]      # failed lookups are kept
    assert "listdir:ok" in ops[d + "/dir"]
    assert "open:ok" in ops[d + "/sub/rel"]          # relative to the cwd, made absolute
    assert any(o.endswith(":ENOENT") for o in ops[d + "/nothere"])
    cat = shutil.which("cat")
    assert any(o.startswith("exec:ok") for p, o_ in ops.items() if os.path.basename(p) in ("cat",)
               for o in o_), "the forked children's execve is recorded"
    # cat ran in forked children: their own opens are there, under their exe
    assert any(os.path.realpath(e) == os.path.realpath(cat) for e in prof.paths[d + "/file"].exes)
    assert prof.runs == [{"argv": [SH, "-c", script], "status": 3}]
    # the file is the tidy form: a header, then one sorted line per path
    lines = prof_path.read_text().splitlines()
    assert json.loads(lines[0])["lxpack_profile"] == 1
    paths = [json.loads(line)["path"] for line in lines[1:]]
    assert paths == sorted(paths) and len(paths) == len(set(paths))


@pytest.mark.skipif(SH is None, reason="no sh")
def test_trace_merges_runs_into_an_existing_profile(run_lxpack, tree, tmp_path):
    prof_path = tmp_path / "p.prof"
    assert run_lxpack("trace", "-o", prof_path, "--", SH, "-c", "cat %s/file" % tree).returncode == 0
    assert run_lxpack("trace", "-o", prof_path, "--", SH, "-c", "ls %s/dir" % tree).returncode == 0
    prof, ops = _ops(prof_path)
    assert len(prof.runs) == 2
    assert "open:ok" in ops["%s/file" % tree] and "listdir:ok" in ops["%s/dir" % tree]


def test_trace_refuses_a_file_that_is_not_a_profile(run_lxpack, tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("hello\n")
    r = run_lxpack("trace", "-o", bad, "--", "/bin/true")
    assert r.returncode == 2
    assert r.err_lines == ["lxpack: profile %s, line 1: not a JSON object (is this an lxpack profile?)" % bad]
    assert bad.read_text() == "hello\n"


def test_profile_reads_raw_records_and_tidy_lines_alike():
    raw = ('{"op": "open", "path": "/usr/lib/x", "result": "ok", "pid": 5, "ppid": 4, "exe": "/usr/bin/p"}\n'
           '{"op": "stat", "path": "/usr/lib/y", "result": "ENOENT", "pid": 5, "ppid": 4, "exe": "/usr/bin/p"}\n')
    tidy = ('{"lxpack_profile": 1, "runs": [{"argv": ["p"], "status": 0}]}\n'
            '{"path": "/usr/lib/x", "ops": ["stat:ok"], "exes": ["/usr/bin/q"]}\n')
    prof = profile.parse(tidy + raw)
    assert prof.paths["/usr/lib/x"].ops == {"open:ok", "stat:ok"}
    assert prof.paths["/usr/lib/x"].exes == {"/usr/bin/p", "/usr/bin/q"}
    assert [u.path for u in prof.failed()] == ["/usr/lib/y"]
    again = profile.parse(prof.to_text())
    assert again.to_text() == prof.to_text()


def test_recorder_json_reads_back_with_json_module():
    for path in (b"/a b/\"q\"\\", b"/caf\xc3\xa9", b"/bad\xff\xfe", "/\U0001f600".encode(), b"/tab\there"):
        s = json.loads(pathtrace._json_str(path))
        assert s.encode("utf-8", "surrogateescape") == path


def _visible(path):
    return not path.startswith("/fake-usr")


def test_pick_packs_found_paths_a_mac_lacks(tmp_path, monkeypatch, closure_samples):
    base = tmp_path / "sys"
    (base / "lib" / "empty").mkdir(parents=True)
    (base / "lib" / "data.txt").write_text("x")
    os.symlink("data.txt", base / "lib" / "link")
    os.symlink(str(base / "lib" / "link"), base / "lib" / "abslink")
    shutil.copy(closure_samples.hello, base / "lib" / "prog")
    prof = profile.Profile()
    b = str(base)
    for p, op in [(b + "/lib/data.txt", "open:ok"), (b + "/lib/abslink", "stat:ok"),
                  (b + "/lib/empty", "listdir:ok"), (b + "/lib/prog", "exec:ok"),
                  (b + "/lib/missing", "open:ENOENT"), ("/proc/self/maps", "open:ok"),
                  (b + "/lib/vanished", "open:ok"), (b + "/out/T.app/x", "open:ok"),
                  (b + "/lib/../lib/data.txt", "stat:ok")]:
        prof.use(p).ops.add(op)
    picked = profile_pick.pick(prof, output=b + "/out/T.app", visible=lambda p: not p.startswith(b))
    got = {e.path: (e.kind, e.link_target, e.reason) for e in picked.entries}
    assert got == {
        b + "/lib/data.txt": ("included", None, "profile"),
        b + "/lib/abslink": ("included", b + "/lib/link", "profile"),
        b + "/lib/link": ("included", "data.txt", "profile"),
        b + "/lib/empty": ("dir", None, "profile"),
        b + "/lib/prog": ("included", None, "profile"),
    }
    assert picked.elf_objects == [b + "/lib/prog"]          # its libraries are resolved too
    assert picked.skipped["never found"] == [b + "/lib/missing"]
    assert picked.skipped["emulated (/proc, /sys, /dev)"] == ["/proc/self/maps"]
    assert picked.skipped["gone from this machine"] == [b + "/lib/vanished"]
    assert picked.skipped["the bundle itself"] == [b + "/out/T.app/x"]


def test_pick_leaves_the_users_files_to_the_host(tmp_path):
    f = tmp_path / "mine.txt"
    f.write_text("user data")
    prof = profile.Profile()
    prof.use(str(f)).ops.add("open:ok")
    prof.use("/tmp").ops.add("stat:ok")
    prof.use("/etc/hosts").ops.add("open:ok")
    picked = profile_pick.pick(prof)          # the real rule (macview)
    assert picked.entries == []
    assert sorted(picked.skipped["a Mac has it (the user's files, /tmp, ...)"]) == sorted(
        [str(f), "/tmp", "/etc/hosts"])


def test_pack_and_inspect_with_a_profile(run_lxpack, closure_samples, tmp_path):
    # a path a Mac lacks (the real rule decides): a regular file of this system
    target = os.path.realpath("/etc/os-release")
    assert not target.startswith(("/etc/", "/tmp/", "/home/", "/root/"))
    prof_path = tmp_path / "p.prof"
    prof_path.write_text(
        '{"lxpack_profile": 1, "runs": []}\n'
        '{"path": "%s", "ops": ["open:ok"], "exes": []}\n'
        '{"path": "/usr/share/nowhere/x.conf", "ops": ["open:ENOENT"], "exes": []}\n'
        '{"path": "%s", "ops": ["open:ok"], "exes": []}\n' % (target, tmp_path / "user.txt"))
    (tmp_path / "user.txt").write_text("u")
    out = tmp_path / "T.app"
    r = run_lxpack(closure_samples.hello, "-o", out, "--profile", prof_path, "--no-macos")
    assert r.returncode == 0, r.stderr
    assert "1 from profiles" in r.stderr
    manifest = json.loads((out / "Contents/Resources/lxpack/manifest.json").read_text())
    entry = {e["path"]: e for e in manifest["closure"]}
    real = target
    assert entry[target]["kind"] == "included" and entry[target]["reason"] == "profile"
    packed = out / "Contents/Resources/root" / real.lstrip("/")
    assert packed.read_bytes() == open(real, "rb").read()
    assert str(tmp_path / "user.txt") not in entry
    r = run_lxpack("inspect", closure_samples.hello, "--profile", prof_path)
    assert r.returncode == 0, r.stderr
    assert "\n    %s\n" % target in r.stdout
    assert "failed lookups (looked for, not found): 1" in r.stdout
    assert "    /usr/share/nowhere/x.conf  (open:ENOENT)" in r.stdout
    r = run_lxpack("inspect", closure_samples.hello, "--profile", prof_path, "--json")
    data = json.loads(r.stdout)
    assert [a["path"] for a in data["profile"]["adds"]] == [target]
    assert data["profile"]["failed_lookups"] == [{"path": "/usr/share/nowhere/x.conf", "ops": ["open:ENOENT"]}]


def test_pack_with_a_missing_profile_is_a_usage_error(run_lxpack, closure_samples, tmp_path):
    r = run_lxpack(closure_samples.hello, "-o", tmp_path / "T.app", "--profile", tmp_path / "none.prof")
    assert r.returncode == 2
    assert r.err_lines == ["lxpack: --profile %s: no such file or directory" % (tmp_path / "none.prof")]
    assert not (tmp_path / "T.app").exists()
