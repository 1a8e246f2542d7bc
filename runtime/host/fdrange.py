"""The runtime's descriptor range: the numbers the runtime keeps its own
descriptors at, out of the guest's reach (part of the host contract, re-exported
by api.py). Travels inside bundles: Python 3.9.
"""
import sys as _sys



# The runtime's own descriptors (the VM, /dev/kvm, its pipes, --strace and
# --stats files) live at RUNTIME_FD_BASE and above; guest descriptors are below
# (the unikernel enforces the guest's RLIMIT_NOFILE, at most RUNTIME_FD_BASE),
# and a guest call naming one of the runtime's is EBADF. The host process's
# soft limit is raised to RUNTIME_FD_END for them when lower (fds.reserve;
# 4096 is Linux's default hard limit; waits on it use poll(), which has no
# FD_SETSIZE), while getrlimit(RLIMIT_NOFILE) keeps
# showing the limit the process started with. fds.move_high() puts one there.
# On macOS the range stays below FD_SETSIZE (1024): select() is the wait that
# works on ttys there, and programs start with a soft limit of 256 (below it).
if _sys.platform == "darwin":
    RUNTIME_FD_BASE, RUNTIME_FD_END = 900, 1024
else:
    RUNTIME_FD_BASE, RUNTIME_FD_END = 2048, 4096
