"""The handler families, and binding them to the syscall table on first use.

Owns: FAMILIES (the modules that register handlers), install_lazy() (an
Unbound slot in the table for every number a family registers, so the
family is imported by its first call: a program imports only the families
it uses) and import_all() (every family now: tools, tests, docs).
Which family registers which numbers is family_index.py, generated with
docs/SYSCALLS.md by tools/gen_syscalls_doc.py (`--check` fails when stale).
Travels inside bundles: Python 3.9.
"""

from lxpack.abi.syscalls_x86_64 import SYSCALL_NAMES
from lxpack.unikernel.syscall import table as _table
from lxpack.unikernel.syscall.family_index import INDEX

PACKAGE = "lxpack.unikernel.syscall."
# Every module that registers handlers (family_index.py: each number under
# the module that defines its handler).
FAMILIES = ("fs_meta", "fs_names", "fs_open", "futex", "identity", "io", "lifecycle", "mm", "net", "notify",
            "poll", "ptrace", "resources", "sched", "signal", "splice", "time")


def install_lazy():
    """Put an Unbound slot where a family's number is not registered yet
    (idempotent; a family already imported keeps its Entries)."""
    table = _table.TABLE
    for family, nrs in INDEX.items():
        module = PACKAGE + family
        for nr in nrs:
            if table[nr] is None:
                table[nr] = _table.Unbound(nr, SYSCALL_NAMES[nr], module)


def import_all():
    """Import every family (every slot bound)."""
    for family in FAMILIES:
        __import__(PACKAGE + family)
