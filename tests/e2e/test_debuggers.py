"""The machine's own debuggers run through `lxpack run` (ptrace between
lxpack processes), compared with the same command run natively:

* `strace -f` of a small dynamic C program and of `sh -c 'ls | wc -l'`:
  the traced program's output and status are the same, the same number of
  processes is traced, each ends the same way, and each makes the same
  system calls. The comparison is per process (in order of appearance) on
  the names of its calls in order of first use, leaving out memory-mapping
  calls (mmap, munmap, mprotect, brk: lxpack's loader and allocator layout
  differ in how many it needs, not in what the program asks) and wait4 (a
  shell's wait may be interrupted and restarted a different number of
  times); every other call Linux shows must be there, in the same order of
  first use, and no other.
* `gdb -batch`: a breakpoint on a function, run, backtrace: the stop line
  and the frames (function names, arguments, source lines) are the same.

Skipped with the reason when strace, gdb or a compiler is missing.
"""
import re
import shutil
import subprocess

import pytest

import harness

PROG = r"""
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
int leaf(int x) { return x * 2; }
int middle(int x) { return leaf(x + 1) + 1; }
int main(void)
{
    char buf[16];
    int fd = open("input.txt", O_RDONLY);
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    printf("read %d, middle %d\n", (int)n, middle(20));
    return 3;
}
"""

# Calls whose number lxpack's loader and allocator legitimately change.
NOISE = frozenset(("mmap", "munmap", "mprotect", "brk", "wait4"))
_LINE = re.compile(r"^(\d+) +(?:<\.\.\. ([a-z0-9_]+) resumed>|([a-z0-9_]+)\(|\+\+\+ (.*) \+\+\+)")


@pytest.fixture(scope="module")
def prog(tmp_path_factory):
    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        pytest.skip("no C compiler")
    d = tmp_path_factory.mktemp("debuggee")
    (d / "prog.c").write_text(PROG)
    subprocess.run([cc, "-g", "-O0", "-o", str(d / "prog"), str(d / "prog.c")], check=True)
    return d / "prog"


def _need(tool):
    path = shutil.which(tool, path="/usr/bin:/bin")
    if path is None:
        pytest.skip("%s is not installed" % tool)
    return path


def processes(trace_text):
    """[(first-use order of call names, end line)] per traced process, in
    order of first appearance."""
    order, calls, ends = [], {}, {}
    for line in trace_text.splitlines():
        m = _LINE.match(line)
        if not m:
            continue
        pid = m.group(1)
        if pid not in calls:
            order.append(pid)
            calls[pid] = []
        if m.group(4) is not None:
            ends[pid] = m.group(4)
            continue
        name = m.group(3)              # "<... x resumed>" continues a call already counted
        if name and name not in NOISE and name not in calls[pid]:
            calls[pid].append(name)
    return [(calls[p], ends.get(p)) for p in order]


def _strace_pair(strace, argv, backend, tmp_path):
    out = {}
    for side in ("native", "lxpack"):
        wd = tmp_path / side
        wd.mkdir()
        (wd / "input.txt").write_text("0123456789")
        trace = tmp_path / ("%s.trace" % side)
        cmd = [strace, "-f", "-o", str(trace)] + argv
        if side == "native":
            r = harness.run_native(cmd, wd)
        else:
            r = harness.run_lxpack(cmd, backend, wd, timeout=240)
        out[side] = (r, trace.read_text() if trace.exists() else "")
    return out


@pytest.mark.parametrize("case", ["dynamic-c", "shell-pipe"])
def test_strace_follows_children(case, backend, prog, tmp_path):
    strace = _need("strace")
    argv = [str(prog)] if case == "dynamic-c" else ["/bin/sh", "-c", "ls | wc -l"]
    out = _strace_pair(strace, argv, backend, tmp_path)
    (native, ntrace), (lx, ltrace) = out["native"], out["lxpack"]
    assert native.status == (3 if case == "dynamic-c" else 0), native.stderr
    assert (lx.status, lx.stdout) == (native.status, native.stdout), lx.stderr.decode(errors="replace")[-3000:]
    n, x = processes(ntrace), processes(ltrace)
    assert len(n) == (1 if case == "dynamic-c" else 3)
    assert len(x) == len(n), "traced processes: native %d, lxpack %d\n%s" % (len(n), len(x), ltrace[-3000:])
    for i, ((ncalls, nend), (xcalls, xend)) in enumerate(zip(n, x)):
        assert xend == nend, "process %d ends: native %r, lxpack %r" % (i, nend, xend)
        assert xcalls == ncalls, "process %d calls (first use):\nnative %s\nlxpack %s" % (i, ncalls, xcalls)


_ADDR = re.compile(r"0x[0-9a-f]+")


def _gdb_view(text):
    """The breakpoint stop and the backtrace frames, addresses left out."""
    keep = [ln for ln in text.splitlines() if ln.startswith("#") or ln.startswith("Breakpoint 1, ")]
    return [_ADDR.sub("ADDR", ln) for ln in keep]


def test_gdb_breakpoint_backtrace(backend, prog, tmp_path):
    gdb = _need("gdb")
    cmd = [gdb, "-batch", "-nx", "-iex", "set debuginfod enabled off", "-ex", "break leaf", "-ex", "run",
           "-ex", "bt", str(prog)]
    views = []
    for side in ("native", "lxpack"):
        wd = tmp_path / side
        wd.mkdir()
        (wd / "input.txt").write_text("0123456789")
        if side == "native":
            r = harness.run_native(cmd, wd, timeout=120)
        else:
            r = harness.run_lxpack(cmd, backend, wd, timeout=400)
        views.append((r, _gdb_view(r.stdout.decode(errors="replace"))))
    (native, nview), (lx, lview) = views
    assert any(ln.startswith("#2 ") and " main " in ln for ln in nview), native.stdout
    assert lview == nview, "gdb under lxpack:\n%s\n%s" % (lx.stdout.decode(errors="replace")[-3000:],
                                                          lx.stderr.decode(errors="replace")[-2000:])
