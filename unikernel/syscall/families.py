"""Imports every syscall family so its handlers register in the table."""
from lxpack.unikernel.syscall import fs, io, mm, net, poll, proc, process, signal, thread, time  # noqa: F401
