"""A packed .app: layout, Info.plist, manifest, vendored code, root/ with
the closure at its original paths (symlink chains kept), --include,
--exclude, --env, --host-exec, --name, --bundle-id, --force."""
import hashlib
import json
import os
import plistlib

import pytest

from lxpack.packager.pack import PackOptions, pack

RES = "Contents/Resources"


def _pack(tmp_path, program, out="Tool.app", **kw):
    return pack(PackOptions(program=str(program), output=str(tmp_path / out), **kw))


@pytest.fixture(scope="module")
def hello_app(closure_samples, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("app")
    result = _pack(tmp, closure_samples.hello, "Hello.app", env=["GREETING=hi", "EMPTY="],
                   host_exec=["/usr/bin/*"])
    return tmp / "Hello.app", result


def test_app_layout(hello_app):
    app, result = hello_app
    assert result.format == "app" and result.output == str(app)
    assert sorted(os.listdir(app)) == ["Contents"]
    assert sorted(os.listdir(app / "Contents")) == ["Info.plist", "MacOS", "Resources"]
    assert os.listdir(app / "Contents/MacOS") == ["Hello"]
    launcher = app / "Contents/MacOS/Hello"
    assert os.access(launcher, os.X_OK)
    assert launcher.read_text().startswith("#!/bin/sh\n")
    assert sorted(os.listdir(app / RES)) == ["lxpack", "root"]
    assert sorted(os.listdir(app / RES / "lxpack")) == ["manifest.json", "python", "run.py"]


def test_info_plist(hello_app):
    app, _ = hello_app
    with open(app / "Contents/Info.plist", "rb") as f:
        plist = plistlib.load(f)
    assert plist["CFBundleExecutable"] == "Hello"
    assert plist["CFBundleName"] == "Hello"
    assert plist["CFBundleIdentifier"] == "org.lxpack.Hello"
    assert plist["CFBundlePackageType"] == "APPL"
    assert plist["CFBundleShortVersionString"]
    assert plist["LSMinimumSystemVersion"]


def test_plist_escapes_and_custom_ids(closure_samples, tmp_path):
    _pack(tmp_path, closure_samples.hello, "x.app", name="A & <B>", bundle_id="com.example.a-b")
    with open(tmp_path / "x.app/Contents/Info.plist", "rb") as f:
        plist = plistlib.load(f)
    assert plist["CFBundleName"] == "A & <B>"
    assert plist["CFBundleIdentifier"] == "com.example.a-b"
    assert os.path.isfile(tmp_path / "x.app/Contents/MacOS/A & <B>")


def test_manifest(hello_app, closure_samples):
    app, _ = hello_app
    raw = (app / RES / "lxpack/manifest.json").read_bytes()
    m = json.loads(raw)
    assert raw == (json.dumps(m, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()
    import lxpack
    assert m["format_version"] == lxpack.MANIFEST_FORMAT
    assert m["lxpack_version"] == lxpack.__version__
    assert m["name"] == "Hello"
    hello = str(closure_samples.hello)
    assert m["entry"] == os.path.realpath(hello) and m["argv0"] == hello
    assert m["interpreter"] == "/lib64/ld-linux-x86-64.so.2"
    assert m["env"] == {"GREETING": "hi", "EMPTY": ""}
    assert m["host_exec"] == ["/usr/bin/*"]
    paths = [e["path"] for e in m["closure"]]
    assert paths == sorted(paths)
    by = {e["path"]: e for e in m["closure"]}
    assert by[m["entry"]]["kind"] == "program"
    assert by["/lib64/ld-linux-x86-64.so.2"]["kind"] == "interpreter"
    libc = [e for e in m["closure"] if e["path"].endswith("/libc.so.6")][0]
    assert libc["kind"] == "library" and libc["needed_by"] == [hello]
    assert libc["reason"] in ("ld.so.cache", "system dir")
    for e in m["closure"]:
        assert set(e) == {"path", "kind", "sha256", "size", "needed_by", "symlink_target", "reason"}
        local = app / RES / "root" / e["path"].lstrip("/")
        if e["symlink_target"] is None:
            data = local.read_bytes()
            assert e["size"] == len(data)
            assert e["sha256"] == hashlib.sha256(data).hexdigest()
            assert data == open(e["path"], "rb").read()
        else:
            assert os.readlink(local) == e["symlink_target"] == os.readlink(e["path"])
            assert e["sha256"] is None and e["size"] is None


def test_vendored_python_is_the_runtime_subset(hello_app):
    app, _ = hello_app
    py = app / RES / "lxpack/python"
    assert sorted(os.listdir(py)) == ["elftools", "lxpack", "unicorn"]
    assert sorted(os.listdir(py / "lxpack")) == ["__init__.py", "abi", "errors.py", "launch", "manifest.py",
                                                  "manifest_json.py", "runtime", "unikernel"]
    assert (py / "lxpack/launch/boot.py").is_file()
    assert any(n.startswith("libunicorn") for n in os.listdir(py / "unicorn/lib"))
    for dirpath, dirnames, filenames in os.walk(py):
        assert "__pycache__" not in dirnames
        assert not [f for f in filenames if f.endswith(".pyc")]
    run_py = (app / RES / "lxpack/run.py").read_text()
    assert "boot.run_bundle(RESOURCES_DIR, sys.argv[1:])" in run_py


def test_interpreter_symlink_is_kept(hello_app):
    app, _ = hello_app
    root = app / RES / "root"
    link = root / "lib64/ld-linux-x86-64.so.2"
    if os.path.islink("/lib64/ld-linux-x86-64.so.2"):
        assert os.path.islink(link)
        assert os.readlink(link) == os.readlink("/lib64/ld-linux-x86-64.so.2")


def test_symlink_chain_kept_in_bundle(closure_samples, tmp_path):
    case = closure_samples["symlink_chain"]
    _pack(tmp_path, case.program, "c.app")
    root = tmp_path / "c.app" / RES / "root"
    ch = root / str(closure_samples.chain_dir).lstrip("/")
    assert os.readlink(ch / "libchain.so.1") == "libchain.so.1.0"
    assert os.readlink(ch / "libchain.so.1.0") == "libchain.so.1.0.0"
    assert (ch / "libchain.so.1.0.0").is_file() and not os.path.islink(ch / "libchain.so.1.0.0")
    assert not os.path.lexists(ch / "libchain.so")  # the dev link is not needed


def test_origin_paths_are_normalised_in_root(closure_samples, tmp_path):
    case = closure_samples["origin_in_library"]
    _pack(tmp_path, case.program, "o.app")
    root = tmp_path / "o.app" / RES / "root"
    origin = str(closure_samples.root / "origin").lstrip("/")
    assert (root / origin / "lib/libmid.so").is_file()
    assert (root / origin / "lib/leaf/libleaf.so").is_file()


def test_include_plugin_dir(closure_samples, tmp_path):
    s = closure_samples
    result = _pack(tmp_path, s["dlopen_main"].program, "p.app", includes=[str(s.plugin_dir)])
    root = tmp_path / "p.app" / RES / "root"
    plugins = root / str(s.plugin_dir).lstrip("/")
    assert (plugins / "plugin.so").is_file()
    assert (plugins / "plugin.conf").read_text() == "enabled = yes\n"
    assert os.readlink(plugins / "current.so") == "plugin.so"
    assert (plugins / "empty.d").is_dir()
    assert (root / str(s.plugin_dep).lstrip("/")).is_file()
    kinds = {e.path: e.kind for e in result.manifest.closure}
    assert kinds[str(s.plugin)] == "included"
    assert kinds[str(s.plugin_dep)] == "library"


def test_include_single_file_by_relative_path(closure_samples, tmp_path):
    s = closure_samples
    rel = os.path.relpath(s.plugin, tmp_path)
    result = pack(PackOptions(program=str(s["dlopen_main"].program), output="r.app",
                              includes=[rel], cwd=str(tmp_path)))
    paths = {e.path for e in result.manifest.closure}
    assert str(s.plugin) in paths and str(s.plugin_dep) in paths


def test_exclude_by_name_and_by_path(closure_samples, tmp_path):
    s = closure_samples
    result = _pack(tmp_path, s["rpath"].program, "e.app", excludes=["libdep.so"])
    assert str(s.root / "dep/A/libdep.so") in result.excluded
    assert not (tmp_path / "e.app" / RES / "root" / str(s.root).lstrip("/") / "dep").exists()
    result = _pack(tmp_path, s["dlopen_main"].program, "e2.app", includes=[str(s.plugin_dir)],
                   excludes=[str(s.plugin_dir) + "/*.conf"])
    paths = {e.path for e in result.manifest.closure}
    assert str(s.plugin_dir / "plugin.conf") not in paths and str(s.plugin) in paths


def test_excluded_missing_library_is_not_an_error(closure_samples, tmp_path):
    result = _pack(tmp_path, closure_samples["missing"].program, "m.app", excludes=["libgone.so"])
    assert result.warnings == []


def test_allow_missing_packs_with_a_warning(closure_samples, tmp_path):
    result = _pack(tmp_path, closure_samples["missing"].program, "m.app", allow_missing=True)
    assert any("libgone.so" in w for w in result.warnings)
    assert (tmp_path / "m.app/Contents/MacOS/m").exists()


def test_library_path_becomes_ld_library_path(closure_samples, tmp_path):
    case = closure_samples["ld_library_path_before_runpath"]
    result = _pack(tmp_path, case.program, "l.app", library_path=case.library_path)
    assert result.manifest.env["LD_LIBRARY_PATH"] == case.library_path
    assert str(closure_samples.root / "dep/B/libdep.so") in {e.path for e in result.manifest.closure}


def test_static_program(closure_samples, tmp_path):
    if closure_samples.static_hello is None:
        pytest.skip("no static libc here")
    result = _pack(tmp_path, closure_samples.static_hello, "s.app")
    assert result.manifest.interpreter is None
    assert [e.kind for e in result.manifest.closure] == ["program"]


def test_symlinked_program_keeps_its_link(closure_samples, tmp_path):
    link = tmp_path / "bin" / "hi"
    link.parent.mkdir()
    os.symlink(closure_samples.hello, link)
    result = _pack(tmp_path, link, "h.app")
    m = result.manifest
    assert m.argv0 == str(link) and m.entry == str(closure_samples.hello)
    root = tmp_path / "h.app" / RES / "root"
    assert os.readlink(root / str(link).lstrip("/")) == str(closure_samples.hello)


def test_force_replaces_an_earlier_bundle(closure_samples, tmp_path):
    _pack(tmp_path, closure_samples.hello, "f.app")
    marker = tmp_path / "f.app/Contents/old"
    marker.write_text("x")
    _pack(tmp_path, closure_samples.hello, "f.app", force=True)
    assert not marker.exists()
    assert sorted(os.listdir(tmp_path)) == ["f.app"]


def test_ld_so_cache_is_shipped_only_for_libraries_outside_system_dirs(closure_samples):
    from lxpack.packager import ldconfig
    from lxpack.packager.closure import Resolver
    from lxpack.packager.pack import _needs_ld_cache
    s = closure_samples
    assert not _needs_ld_cache(Resolver().resolve(str(s.hello)))
    cfg = ldconfig.load()
    cfg.entries = dict(cfg.entries, **{"libgone.so": str(s.root / "dep/C/libdep.so")})
    closure = Resolver(ld_config=cfg).resolve(str(s["missing"].program))
    assert closure.complete
    assert closure.by_path(str(s.root / "dep/C/libdep.so")).reason == "ld.so.cache"
    assert _needs_ld_cache(closure)


def test_output_inside_an_included_tree_is_not_packed_into_itself(closure_samples, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    (work / "data.txt").write_text("d")
    for _ in range(2):
        result = pack(PackOptions(program=str(closure_samples.hello), output="W.app",
                                  includes=["."], cwd=str(work), force=True))
    paths = {e.path for e in result.manifest.closure}
    assert str(work / "data.txt") in paths
    assert not [p for p in paths if "W.app" in p]
