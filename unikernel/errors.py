"""Linux errors as exceptions, and the internal control-flow exceptions of
the unikernel.

Owns: one LinuxError subclass per errno name (`raise ENOENT()`), generated
from lxpack.abi.errno so names and numbers cannot drift; Interrupted (a
blocking call cut short by a signal: the dispatcher fails it with EINTR or
restarts it, SA_RESTART); TaskExit and ProcessExit (a thread or the whole
process ends); ExecImage (execve replaced the image). Only the dispatcher
(Dispatcher.syscall) turns a LinuxError into -errno for the guest.
Travels inside bundles: Python 3.9.
"""
from lxpack.abi import errno as _errno
from lxpack.runtime.host.api import LinuxError

__all__ = ["LinuxError", "TaskExit", "ProcessExit", "Interrupted", "ExecImage"]

for _value, _name in _errno.ERRNO_NAMES.items():
    globals()[_name] = type(_name, (LinuxError,), {"errno": _value, "__doc__": "Linux %s (%d)" % (_name, _value)})
    __all__.append(_name)
# Aliases (EWOULDBLOCK is EAGAIN, EDEADLOCK is EDEADLK...) name the same class.
for _name in dir(_errno):
    if _name.startswith("E") and _name not in globals() and isinstance(getattr(_errno, _name), int):
        globals()[_name] = globals()[_errno.ERRNO_NAMES[getattr(_errno, _name)]]
        __all__.append(_name)


class Interrupted(Exception):
    """A blocking call was interrupted by a signal to be delivered; the
    dispatcher turns it into -EINTR or restarts the call (SA_RESTART)."""


class TaskExit(Exception):
    """The current thread ends (exit(2))."""

    def __init__(self, status):
        Exception.__init__(self, status)
        self.status = status


class ProcessExit(Exception):
    """The whole process ends: status is an exit code, or signal is set."""

    def __init__(self, status=0, signal=0, core=False):
        Exception.__init__(self, status, signal)
        self.status = status
        self.signal = signal
        self.core = core


class ExecImage(Exception):
    """execve succeeded: the task continues in the new image (no rax write)."""
