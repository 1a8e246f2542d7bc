"""Every bad input gives one clear line on stderr and its documented exit
status -- never a traceback -- and leaves nothing behind."""
import os
import shutil
import subprocess

import pytest

LIBC_SCRIPT = "/usr/lib/x86_64-linux-gnu/libc.so"


def _elf32(path):
    """A 32-bit i386 executable: built with gcc -m32 if it can, else crafted."""
    src = path.with_suffix(".S")
    src.write_text(".globl _start\n_start:\n mov $1, %eax\n int $0x80\n")
    if shutil.which("gcc"):
        r = subprocess.run(["gcc", "-m32", "-nostdlib", "-static", "-o", str(path), str(src)],
                           capture_output=True)
        if r.returncode == 0:
            return path
    ident = b"\x7fELF\x01\x01\x01" + b"\0" * 9
    header = ident + (2).to_bytes(2, "little") + (3).to_bytes(2, "little") + b"\0" * 32
    path.write_bytes(header)
    return path


def _aarch64(hello, path):
    data = bytearray(hello.read_bytes())
    data[18:20] = (183).to_bytes(2, "little")  # e_machine = EM_AARCH64
    path.write_bytes(bytes(data))
    return path


def _check(run, code, *needles):
    assert run.returncode == code, (run.returncode, run.stderr)
    assert "Traceback" not in run.stderr
    assert len(run.err_lines) == 1, run.stderr
    line = run.err_lines[0]
    assert line.startswith("lxpack: ")
    for n in needles:
        assert n in line, (n, line)
    return line


@pytest.fixture
def outdir(tmp_path):
    d = tmp_path / "out"
    d.mkdir()
    return d


def _assert_nothing_left(d, before=()):
    assert sorted(os.listdir(d)) == sorted(before)


def test_missing_file(run_lxpack, outdir):
    r = run_lxpack(outdir / "nope", "-o", outdir / "X.app")
    _check(r, 2, "nope", "no such file")
    _assert_nothing_left(outdir)


def test_not_an_elf(run_lxpack, outdir, tmp_path):
    f = tmp_path / "notes.txt"
    f.write_text("hello\n")
    _check(run_lxpack(f, "-o", outdir / "X.app"), 3, "not an ELF file", "text")
    script = tmp_path / "s.sh"
    script.write_text("#!/bin/sh\necho hi\n")
    _check(run_lxpack(script, "-o", outdir / "X.app"), 3, "script (#!/bin/sh)")
    _assert_nothing_left(outdir)


def test_32bit_elf(run_lxpack, outdir, tmp_path):
    line = _check(run_lxpack(_elf32(tmp_path / "x32"), "-o", outdir / "X.app"), 3,
                  "32-bit", "i386", "not supported yet")
    assert "x86-64" in line
    _assert_nothing_left(outdir)


def test_non_x86_64_elf(run_lxpack, outdir, tmp_path, hello):
    _check(run_lxpack(_aarch64(hello, tmp_path / "arm"), "-o", outdir / "X.app"), 3,
           "AArch64", "not supported yet")
    _assert_nothing_left(outdir)


@pytest.mark.skipif(not os.path.exists(LIBC_SCRIPT), reason="no libc.so linker script here")
def test_linker_script(run_lxpack, outdir):
    _check(run_lxpack(LIBC_SCRIPT, "-o", outdir / "X.app"), 3, "linker script")
    _check(run_lxpack("inspect", LIBC_SCRIPT), 3, "linker script")
    _assert_nothing_left(outdir)


def test_missing_library(run_lxpack, outdir, closure_samples):
    prog = closure_samples["missing"].program
    _check(run_lxpack(prog, "-o", outdir / "X.app"), 3, "libgone.so",
           "needed by %s" % prog, "--allow-missing")
    _assert_nothing_left(outdir)


def test_unsatisfied_version(run_lxpack, outdir, closure_samples):
    prog = closure_samples["version_unsatisfied"].program
    _check(run_lxpack(prog, "-o", outdir / "X.app"), 3, "VERS_2", "vers_new")
    _assert_nothing_left(outdir)


def test_output_exists(run_lxpack, outdir, hello):
    (outdir / "X.run").write_text("precious")
    _check(run_lxpack(hello, "-o", outdir / "X.run"), 4, "already exists", "--force")
    assert (outdir / "X.run").read_text() == "precious"
    (outdir / "D.app").mkdir()
    (outdir / "D.app" / "mine").write_text("x")
    _check(run_lxpack(hello, "-o", outdir / "D.app", "--force"), 4, "not an lxpack bundle")
    _assert_nothing_left(outdir, ["X.run", "D.app"])


def test_unwritable_output_directory(run_lxpack, tmp_path, hello):
    if os.geteuid() == 0:
        target = "/sys/kernel"  # root may write anywhere but sysfs
    else:
        target = tmp_path / "ro"
        target.mkdir()
        target.chmod(0o555)
    _check(run_lxpack(hello, "-o", os.path.join(target, "X.app")), 1, "cannot write")


def test_output_directory_missing(run_lxpack, tmp_path, hello):
    _check(run_lxpack(hello, "-o", tmp_path / "no" / "X.app"), 1, "does not exist")


def test_broken_symlink_in_include_tree(run_lxpack, outdir, tmp_path, hello):
    tree = tmp_path / "data"
    (tree / "sub").mkdir(parents=True)
    (tree / "ok.txt").write_text("ok")
    os.symlink("gone.txt", tree / "sub" / "dangling")
    _check(run_lxpack(hello, "-o", outdir / "X.app", "--include", tree), 3,
           "broken symbolic link", "dangling")
    _check(run_lxpack(hello, "-o", outdir / "X.app", "--include", tmp_path / "absent"), 2,
           "no such file")
    _assert_nothing_left(outdir)


@pytest.mark.parametrize("args,needle", [
    (["--env", "NOEQUALS"], "--env"),
    (["--env", "1X=2"], "--env"),
    (["--bundle-id", "bad id!"], "--bundle-id"),
    (["--name", "a/b"], "--name"),
])
def test_bad_option_values(run_lxpack, outdir, hello, args, needle):
    _check(run_lxpack(hello, "-o", outdir / "X.app", *args), 2, needle)
    _assert_nothing_left(outdir)


def test_inspect_missing_file(run_lxpack, tmp_path):
    _check(run_lxpack("inspect", tmp_path / "nope"), 2, "no such file")


def test_help_documents_exit_codes(run_lxpack):
    r = run_lxpack("pack", "--help")
    assert r.returncode == 0
    for code in ("1 ", "2 ", "3 ", "4 "):
        assert "\n    " + code in r.stdout
    r = run_lxpack("--help")
    assert "3 cannot pack" in r.stdout and "4 output exists" in r.stdout


def test_non_utf8_file_name_in_include_tree(run_lxpack, outdir, tmp_path, hello):
    tree = tmp_path / "names"
    tree.mkdir()
    try:
        open(os.path.join(os.fsencode(tree), b"bad\xffname"), "w").close()
    except OSError:
        pytest.skip("this file system refuses non-UTF-8 names")
    _check(run_lxpack(hello, "-o", outdir / "X.app", "--include", tree), 3, "not UTF-8")
    _assert_nothing_left(outdir)
