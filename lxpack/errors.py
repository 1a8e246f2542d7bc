"""User-facing errors of lxpack and the exit codes the CLI gives for them.

Every error a user can cause (bad input, missing library, unusable backend)
is a subclass of LxpackError; the CLI prints its message on one line and exits
with its exit_code. Anything else reaching the CLI is a bug. Travels inside
bundles (runtime uses it): Python 3.9.
"""


class LxpackError(Exception):
    """An error the user can act on. str(e) is the one-line message."""

    exit_code = 1


class UsageError(LxpackError):
    exit_code = 2


class PackError(LxpackError):
    """The input cannot be packed (not an ELF, wrong arch, missing libraries...)."""

    exit_code = 3


class OutputExistsError(PackError):
    exit_code = 4


class BackendUnavailable(LxpackError):
    """No hypervisor/emulator backend can run the program on this host."""

    exit_code = 5


class ProgramNotFound(LxpackError):
    """The program to run does not exist (a shell says 127)."""

    exit_code = 127


class ProgramNotExecutable(LxpackError):
    """The program exists but cannot be run: permissions or format (a shell says 126)."""

    exit_code = 126


class OutputError(LxpackError):
    """The output cannot be written: no such directory, permission denied, disk full."""

    exit_code = 1
