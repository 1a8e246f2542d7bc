"""What a program that cannot start gets told: the one-line message and exit
status a shell would give (start_error: 127 not found, 126 not executable or
wrong format), and the refusal of a bundle that a case-insensitive disk
cannot hold (check_case_insensitive).
Travels inside bundles: Python 3.9.
"""
import os

from lxpack.errors import ProgramNotExecutable, ProgramNotFound


def start_error(prog, errno):
    """What a shell says, and its status, when a program cannot start."""
    if errno == 2:
        return ProgramNotFound("%s: No such file or directory" % prog)
    if errno in (8, 80):
        return ProgramNotExecutable("%s: cannot execute binary file: Exec format error" % prog)
    if errno == 13:
        return ProgramNotExecutable("%s: Permission denied" % prog)
    if errno == 12:
        return ProgramNotExecutable("%s: cannot execute: out of memory" % prog)
    if errno == 40:
        return ProgramNotExecutable("%s: cannot execute: Too many levels of symbolic links" % prog)
    return ProgramNotExecutable("%s: cannot execute: %s" % (prog, os.strerror(errno)))


def check_case_insensitive(manifest, renamed):
    """Foreign-host mode: the bundle must fit a case-insensitive disk (a
    Mac's default), as stored (after the packer's case renames)."""
    from lxpack.unikernel.kernel.vfs import macview
    stored = []
    for e in manifest.get("closure", []):
        parts = e["path"].split("/")
        out = ""
        for i in range(1, len(parts)):
            g = "/".join(parts[:i + 1])
            s = renamed.get(g)
            out += "/" + (s.rpartition("/")[2] if s else parts[i])
        stored.append(out)
    clashes = macview.case_clashes(stored)
    if clashes:
        a, b = clashes[0]
        raise ProgramNotExecutable("bundle cannot live on a case-insensitive disk (a Mac's): %s and %s "
                         "(%d such pair%s; repack with this lxpack)"
                         % (a, b, len(clashes), "" if len(clashes) == 1 else "s"))
