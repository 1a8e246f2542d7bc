"""Imports every syscall family so its handlers register in the table."""
from lxpack.unikernel.syscall import (fs_meta, fs_names, fs_open, futex, identity, io, lifecycle, mm, net,  # noqa: F401
                                      notify, poll, ptrace, resources, sched, signal, splice, time)
