"""Packing beyond the ELF closure: each rule of packager.knowledge against
this machine's real programs (python3, perl, gcc, g++, git, tclsh, wish, a
JDK, make, vim...), checked against what the program itself reports
natively; the include scan of the additions with their own reasons; the
manifest and `lxpack inspect` (text and --json) listing them."""
import json
import os
import shutil
import subprocess

import pytest

from lxpack.packager import extras, knowledge, layout
from lxpack.packager.closure import resolve
from lxpack.packager.knowledge import TREE, Options
from lxpack.packager.pack import PackOptions, discover_extras, pack


def _need(prog):
    path = shutil.which(prog)
    if path is None:
        pytest.skip("%s is not installed" % prog)
    return path


def _native(*argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, check=True, **kw).stdout.strip()


def _covers(extras_list, path):
    """Is `path` packed by one of the extras (a file extra or inside a tree)?"""
    for e in extras_list:
        if e.path == path or (e.mode == TREE and path.startswith(e.path.rstrip("/") + "/")):
            return e
    return None


def _all(program, **opts):
    """Program and data extras of `program`, as the pack pipeline finds them."""
    return discover_extras(program, [], extras.Options(knowledge.Options(**opts)), None, os.getcwd())


def test_python_standard_library_not_site_packages():
    if not os.path.exists("/usr/bin/python3"):
        pytest.skip("no /usr/bin/python3")
    py = "/usr/bin/python3"
    got = knowledge.for_program(py, Options())
    for module in ("json", "_json", "sqlite3", "_sqlite3", "hashlib", "encodings"):
        where = _native(py, "-c", "import %s, os; print(os.path.realpath(%s.__file__))" % (module, module))
        assert _covers(got, where), (module, where, got)
    site = _native(py, "-c", "import site; print('\\n'.join(site.getsitepackages()))").splitlines()
    existing = [s for s in site if os.path.isdir(s)]
    assert existing and not any(_covers(got, s + "/x") for s in existing), got
    with_site = knowledge.for_program(py, Options(site_packages=True))
    assert all(_covers(with_site, s + "/x") for s in existing)
    assert all(e.rule == "python" for e in got)


def test_perl_inc():
    perl = _need("perl")
    got = knowledge.for_program(perl, Options())
    inc = [d for d in _native(perl, "-e", 'print "$_\\n" for @INC').splitlines() if os.path.isdir(d)]
    assert inc and all(_covers(got, d + "/x") for d in inc)
    for mod in ("POSIX.pm", "Data/Dumper.pm", "strict.pm"):
        where = _native(perl, "-M" + mod[:-3].replace("/", "::"), "-e", 'print $INC{"%s"}' % mod)
        assert _covers(got, where), (mod, where)


def test_gcc_parts_start_files_and_headers():
    gcc = _need("gcc")
    got = knowledge.for_program(gcc, Options())
    for part in ("cc1", "collect2", "lto-wrapper"):
        assert _covers(got, _native(gcc, "-print-prog-name=" + part)), part
    for name in ("crt1.o", "crti.o", "crtn.o", "libc.so", "libc_nonshared.a", "crtbegin.o", "libgcc.a"):
        assert _covers(got, os.path.normpath(_native(gcc, "-print-file-name=" + name))), name
    for tool in ("as", "ld"):
        assert _covers(got, shutil.which(tool)), tool
    stdio = subprocess.run([gcc, "-H", "-fsyntax-only", "-x", "c", "-"], input="#include <stdio.h>\n",
                           capture_output=True, text=True).stderr.split()[1]
    assert _covers(got, os.path.normpath(stdio))
    assert knowledge.for_program(gcc, Options(enabled=False)) == []
    assert knowledge.for_program(gcc, Options(skip=frozenset({"gcc"}))) == []


def test_gxx_cxx_headers_and_libstdcxx():
    gxx = _need("g++")
    got = knowledge.for_program(gxx, Options())
    iostream = subprocess.run([gxx, "-H", "-fsyntax-only", "-x", "c++", "-"], input="#include <iostream>\n",
                              capture_output=True, text=True).stderr.splitlines()[0].split()[1]
    assert _covers(got, os.path.normpath(iostream))
    assert _covers(got, _native(gxx, "-print-prog-name=cc1plus"))
    assert _covers(got, os.path.normpath(_native(gxx, "-print-file-name=libstdc++.so")))


def test_git_exec_path_and_templates():
    git = _need("git")
    got = knowledge.for_program(git, Options())
    assert _covers(got, os.path.join(_native(git, "--exec-path"), "git-remote-http"))
    assert any(e.path.endswith("/git-core/templates") for e in got)


def test_tcl_and_tk_libraries():
    tclsh = _need("tclsh")
    got = knowledge.for_program(tclsh, Options())
    lib = _native(tclsh, input="puts [info library]\n")
    assert _covers(got, os.path.join(lib, "init.tcl"))
    wish = _need("wish")
    got = knowledge.for_program(wish, Options())
    assert _covers(got, os.path.join(lib, "init.tcl"))
    tk = [e for e in got if os.path.isfile(os.path.join(e.path, "tk.tcl"))]
    assert tk, got


def test_jdk_home_and_etc_config():
    java = _need("java")
    home = os.path.dirname(os.path.dirname(os.path.realpath(java)))
    got = knowledge.for_program(java, Options())
    assert got and got[0].path == home and got[0].mode == TREE
    linked = set()
    for dirpath, dirs, files in os.walk(home):
        for n in dirs + files:
            t = os.readlink(os.path.join(dirpath, n)) if os.path.islink(os.path.join(dirpath, n)) else ""
            if t.startswith("/etc/java"):
                linked.add(t)
    assert all(_covers(got, t) for t in linked)
    assert not any(e.path in ("/etc", "/etc/ssl") for e in got)


def test_make_and_ls_need_no_program_rule():
    for prog in ("make", "ls"):
        assert knowledge.for_program(_need(prog), Options()) == []


def test_data_rules_follow_the_closure():
    vim = _need("vim.basic") if shutil.which("vim.basic") else _need("vim")
    rules = {e.rule for e in _all(vim).extras}
    assert {"terminfo", "locale"} <= rules
    git = _all(_need("git")).extras
    assert any(e.rule == "gconv" for e in git)       # git imports iconv_open
    assert any(e.rule == "certs" for e in git)       # git-remote-https links libcurl -> libssl
    py = _all("/usr/bin/python3")
    # the certificates come from the second pass: _ssl is in lib-dynload, not in python3's own closure
    assert any(e.rule == "certs" for e in py.extras)
    assert not any(e.rule == "certs" for e in knowledge.for_closure(resolve("/usr/bin/python3"), Options()))
    everything = _all(_need("git"), all_locales=True).extras
    assert any(e.path == "/usr/lib/locale" for e in everything)


def test_data_rules_leave_a_plain_program_alone(hello):
    found = _all(str(hello))
    assert {e.rule for e in found.extras} <= {"locale"}
    assert _all(str(hello), enabled=False).extras == []


def test_extras_keep_their_reasons_in_the_manifest(tmp_path):
    r = pack(PackOptions(program="/usr/bin/perl", output=str(tmp_path / "P"), format="dir", macos=False))
    entries = {e.path: e for e in r.manifest.closure}
    posix = _native("perl", "-MPOSIX", "-e", 'print $INC{"POSIX.pm"}')
    e = entries[posix]
    assert e.kind == "included" and e.reason.startswith("perl: @INC of")
    assert (tmp_path / ("P/Resources/root" + posix)).is_file()
    so = [p for p in entries if p.endswith("/auto/POSIX/POSIX.so")]
    assert so and entries[so[0]].kind == "included"
    assert any(x.rule == "perl" for x in r.extras)


def test_broken_links_in_added_trees_are_skipped(tmp_path):
    d = tmp_path / "tree"
    d.mkdir()
    (d / "ok").write_text("x")
    os.symlink("gone", d / "dangling")
    scan = layout.scan_includes([], str(tmp_path), None, [(str(d), "test: a tree", "tree")])
    assert {e.path for e in scan.entries} == {str(d / "ok")}
    assert scan.entries[0].reason == "test: a tree"
    assert len(scan.skipped) == 1 and "dangling" in scan.skipped[0]


def test_missing_libraries_of_added_files_are_warnings(tmp_path, closure_samples):
    """A library needed only by an added file (a JDK's AWT without X11) warns;
    one the program needs still fails the pack."""
    s = closure_samples
    found = discover_extras(str(s.hello), [], extras.Options(), None, str(tmp_path))
    assert extras.soft_missing(found.closure) == set()
    found = discover_extras(str(s.hello), [str(s["missing"].program)], extras.Options(), None, str(tmp_path))
    assert extras.soft_missing(found.closure) == {"libgone.so"}


def test_inspect_groups_the_additions(run_lxpack):
    perl = _need("perl")
    r = run_lxpack("inspect", perl)
    assert r.returncode == 0, r.stderr
    tail = r.stdout.split("beyond the ELF closure", 1)[1].splitlines()
    assert "    perl:" in tail and "    locale:" in tail
    assert any(line.strip().startswith("/usr/share/perl5/  [perl: @INC of") for line in tail)
    r = run_lxpack("inspect", "--json", perl)
    data = json.loads(r.stdout)
    rules = {e["rule"] for e in data["beyond_closure"]}
    assert "perl" in rules
    assert all(set(e) == {"path", "reason", "mode", "rule"} for e in data["beyond_closure"])
    r = run_lxpack("inspect", "--json", "--no-auto-data", perl)
    assert json.loads(r.stdout)["beyond_closure"] == []
    r = run_lxpack("inspect", "--no-rule", "nosuch", perl)
    assert r.returncode == 2
