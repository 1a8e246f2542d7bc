#!/usr/bin/env python3
"""Generates lxpack/abi/syscalls_<arch>.py and lxpack/abi/errno.py from the
kernel UAPI headers on this machine (the specification, see DESIGN.md).

Per architecture (UNISTD below): only the syscall numbers are generated;
the arch's hand-written layouts (struct stat, ...) are lxpack/abi/<arch>.py.
errno is the same on every architecture lxpack targets (asm-generic).

Run: python3 tools/gen_abi.py   (output is committed; regenerate on a newer kernel)
"""
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# arch -> candidate unistd headers (an aarch64 entry would read asm-generic/unistd.h)
UNISTD = {"x86_64": [Path("/usr/include/x86_64-linux-gnu/asm/unistd_64.h"), Path("/usr/include/asm/unistd_64.h")]}
ERRNO = [Path("/usr/include/asm-generic/errno-base.h"), Path("/usr/include/asm-generic/errno.h")]


def first_existing(paths):
    for p in paths:
        if p.exists():
            return p
    sys.exit("no UAPI header among: " + ", ".join(map(str, paths)))


def gen_syscalls(arch="x86_64"):
    text = first_existing(UNISTD[arch]).read_text()
    pairs = [(int(n), name) for name, n in re.findall(r"#define __NR_(\w+)\s+(\d+)", text)]
    pairs.sort()
    out = ['"""Linux %s system call numbers, generated from %s by tools/gen_abi.py (generated data)."""'
           % ({"x86_64": "x86-64"}.get(arch, arch), {"x86_64": "asm/unistd_64.h"}.get(arch, "asm/unistd.h")), "",
           "# number -> name", "SYSCALL_NAMES = {"]
    out += ["    %d: %r," % (n, name) for n, name in pairs]
    out += ["}", "", "# name -> number", "SYSCALL_NUMBERS = {name: nr for nr, name in SYSCALL_NAMES.items()}", "",
            "# NR_<name> = number: the names handlers, the kvm fast-path tables and tests use", ""]
    out += ["NR_%s = %d" % (name, n) for n, name in pairs]
    out += [""]
    (ROOT / ("lxpack/abi/syscalls_%s.py" % arch)).write_text("\n".join(out))


def gen_errno():
    names = {}
    aliases = []
    for path in ERRNO:
        for name, val in re.findall(r"#define\s+(E\w+)\s+(\w+)", path.read_text()):
            if val.isdigit():
                names[name] = int(val)
            else:
                aliases.append((name, val))
    out = ['"""Linux errno values, generated from asm-generic/errno*.h by tools/gen_abi.py."""', ""]
    for name, val in sorted(names.items(), key=lambda kv: kv[1]):
        out.append("%s = %d" % (name, val))
    for name, val in aliases:
        out.append("%s = %s" % (name, val))
    out += ["", "# number -> canonical name (first defined)", "ERRNO_NAMES = {}",
            "for _n, _v in list(globals().items()):",
            "    if _n.startswith('E') and isinstance(_v, int) and _v not in ERRNO_NAMES:",
            "        ERRNO_NAMES[_v] = _n", ""]
    (ROOT / "lxpack/abi/errno.py").write_text("\n".join(out))


if __name__ == "__main__":
    gen_syscalls()
    gen_errno()
