#!/usr/bin/env python3
"""Generates docs/SYSCALLS.md from the one syscall table: every Linux x86-64
system call (lxpack/abi/syscalls_x86_64.py) with its support level (full,
partial, stub, missing) and the handler's note.

  python tools/gen_syscalls_doc.py           # write docs/SYSCALLS.md
  python tools/gen_syscalls_doc.py --check   # exit 1 if the committed file is stale
"""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "SYSCALLS.md"


def render():
    from lxpack.abi.syscalls_x86_64 import SYSCALL_NAMES
    from lxpack.unikernel.syscall import families  # noqa: F401  (registers every handler)
    from lxpack.unikernel.syscall.table import TABLE
    rows = []
    counts = {"full": 0, "partial": 0, "stub": 0, "missing": 0}
    for nr in sorted(SYSCALL_NAMES):
        e = TABLE[nr] if nr < len(TABLE) else None
        support = e.support if e is not None else "missing"
        counts[support] = counts.get(support, 0) + 1
        note = (e.note if e is not None else "returns ENOSYS").replace("|", "\\|").replace("\n", " ")
        rows.append("| %d | %s | %s | %s |" % (nr, SYSCALL_NAMES[nr], support, note))
    head = [
        "# Linux system calls in lxpack",
        "",
        "Generated from the syscall table by `tools/gen_syscalls_doc.py` (do not edit by hand).",
        "`full`: Linux semantics; `partial`: see the note; `stub`: a deliberate refusal with a fixed",
        "error; `missing`: returns ENOSYS (reported once with `LXPACK_WARN=1` or `--strace`, counted",
        "by `--stats`).",
        "",
        "Totals: %s." % ", ".join("%s %d" % kv for kv in counts.items()),
        "",
        "| nr | name | support | note |",
        "|---:|---|---|---|",
    ]
    return "\n".join(head + rows) + "\n"


def main():
    text = render()
    if "--check" in sys.argv[1:]:
        if not OUT.exists() or OUT.read_text() != text:
            sys.stderr.write("docs/SYSCALLS.md is stale: run `make docs` (tools/gen_syscalls_doc.py)\n")
            sys.exit(1)
        return
    OUT.write_text(text)


if __name__ == "__main__":
    main()
