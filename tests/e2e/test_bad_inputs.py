"""Bad input: programs that cannot run at all. lxpack must end the
way a shell does (126 for a file it cannot execute or that has the wrong
format, 127 for one that, or whose interpreter, does not exist), with one line
on stderr, no Python traceback and nothing left running. Each expected status
is first checked natively with `bash -c '"$0"' FILE`.

Bad behaviour *inside* a running guest (jumping to unmapped memory, an invalid
instruction, asking for 1 TiB) is the `faults` sample in test_samples.py.
"""
import os
import struct

import pytest

import harness


def _copy(src, dst, mode=0o755, patch=None):
    data = bytearray(open(src, "rb").read())
    if patch:
        data = patch(data)
    with open(dst, "wb") as f:
        f.write(bytes(data))
    os.chmod(dst, mode)


def truncated(data):
    return data[:100]


def machine_aarch64(data):
    data[18:20] = struct.pack("<H", 183)
    return data


def bad_phentsize(data):
    data[54:56] = struct.pack("<H", 12)
    return data


def relocatable(data):
    data[16:18] = struct.pack("<H", 1)   # e_type = ET_REL
    return data


def not_elf(data):
    data[3:4] = b"G"
    return data


def missing_interp(data):
    for old in (b"/lib64/ld-linux-x86-64.so.2", b"/lib/ld-musl-x86_64.so.1"):
        i = data.find(old)
        if i >= 0:
            new = b"/nonexistent/ld.so"
            data[i:i + len(old)] = new + b"\0" * (len(old) - len(new))
            return data
    raise AssertionError("no PT_INTERP string found")


# id -> (how to make the file from a built sample, variant, expected status)
CASES = {
    "truncated": (truncated, "static", 126),
    "wrong-machine": (machine_aarch64, "dyn", 126),
    "bad-phentsize": (bad_phentsize, "static-pie", 126),
    "relocatable": (relocatable, "dyn", 126),
    "not-elf": (not_elf, "static", 126),
    "missing-interp": (missing_interp, "dyn", 127),
    "missing-interp-musl": (missing_interp, "musl-dyn", 127),
    "not-executable": (None, "dyn", 126),
    "directory": ("dir", None, 126),
    "nonexistent": ("none", None, 127),
}


@pytest.mark.skipif(harness.SELFTEST == "direct",
                    reason="self-test 'direct' mode has no runtime to print one line and exit 126/127")
@pytest.mark.parametrize("case", list(CASES))
def test_bad_program(case, backend, sample_builds, workdir):
    how, variant, expect = CASES[case]
    path = str(workdir / ("bad-" + case))
    if how == "dir":
        os.mkdir(path)
    elif how == "none":
        pass
    else:
        src = sample_builds.get("exitstatus", variant)
        _copy(src, path, mode=0o644 if case == "not-executable" else 0o755, patch=how)

    native = harness.run_native(["bash", "-c", '"$0" exit 5', path], workdir)
    assert native.status == expect, "natively (bash) %s gives %s, not %s: %s" % (
        case, native.status_text(), expect, native.stderr.decode(errors="replace"))

    lx = harness.run_lxpack([path, "exit", "5"], backend, workdir)
    problems = []
    if lx.status != expect:
        problems.append("status %s, want %s" % (lx.status_text(), expect))
    why = harness.one_line_error(lx)
    if why:
        problems.append(why)
    if lx.stdout:
        problems.append("unexpected stdout: %r" % lx.stdout[:500])
    if lx.leftovers:
        problems.append("left processes behind: %s" % lx.leftovers)
    assert not problems, "lxpack run of a %s program:\n" % case + "\n".join(problems)
