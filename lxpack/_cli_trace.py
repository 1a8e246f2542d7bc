"""`lxpack trace`: run a program under lxpack and record every path it (and
every process it starts) looks up into a profile, for `lxpack pack --profile`.

Owns: the command's options and the order of work: a child process runs the
program (lxpack.launch.boot.run_program with a trace file: it ends with the
program's own exit, like `lxpack run`), the runtime appends raw records to
PROFILE while it runs, and afterwards this process merges what PROFILE holds
(earlier runs included) into the tidy form (lxpack.packager.profile).
The format is in docs/PACKAGING.md, "Profiles".
"""
import os
import signal
import sys

import click

from lxpack.errors import LxpackError

TRACE_EXIT = """\b
Exit status: the program's own (128+N when it died from signal N); 2 usage
(an unreadable PROFILE); 5 no usable backend; 126/127 the program cannot
start; 1 PROFILE cannot be written."""


@click.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
               epilog=TRACE_EXIT)
@click.option("-o", "--output", "profile_path", required=True, metavar="PROFILE",
              help="The profile to write; an existing one is merged with this run.")
@click.option("--backend", default="auto", show_default=True,
              type=click.Choice(["auto", "unicorn", "kvm", "hvf"]),
              help="Which CPU backend runs the program.")
@click.argument("program")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def trace(profile_path, backend, program, args):
    """Run PROGRAM with ARGS under lxpack (as `lxpack run` does) and record
    in PROFILE every path it and its child processes open, stat, list,
    read as a link, access, map or execute, found or not. Pack with
    `lxpack PROGRAM -o X.app --profile PROFILE` so the bundle carries what
    the program read from this Linux system (a standard library, a
    compiler's cc1/as/ld and headers...). PROFILE is JSON lines, one per
    path with its operations and results (docs/PACKAGING.md, "Profiles").

    \b
      lxpack trace -o py.prof -- /usr/bin/python3 -c 'import json'
      lxpack /usr/bin/python3 -o Py.app --profile py.prof
    """
    from lxpack.packager import profile

    path = os.path.abspath(profile_path)
    try:
        if os.path.exists(path):
            profile.load(path)              # an existing PROFILE must be one: it is merged
        with open(path, "a"):
            pass
    except OSError as e:
        raise LxpackError("cannot write %s: %s" % (profile_path, e.strerror)) from None
    argv = [program] + list(args)
    status = _run_traced(argv, backend, path)
    merged = profile.load(path)
    merged.runs.append({"argv": argv, "status": status})
    try:
        profile.save(merged, path)
    except OSError as e:
        raise LxpackError("cannot write %s: %s" % (profile_path, e.strerror)) from None
    sys.exit(status)


def _run_traced(argv, backend, path):
    """Run argv traced in a child process; its exit status (128+N for signal N)."""
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        code = 70
        try:
            from lxpack.launch import boot
            code = boot.run_program(argv, backend=backend, trace_file=path)
        except LxpackError as e:
            sys.stderr.write("lxpack: %s\n" % e)
            code = e.exit_code
        except BaseException as e:  # a bug: one line, as lxpack.cli does
            if os.environ.get("LXPACK_DEBUG"):
                import traceback
                traceback.print_exc()
            sys.stderr.write("lxpack: internal error: %s: %s (set LXPACK_DEBUG=1 for details)\n"
                             % (type(e).__name__, e))
        finally:
            try:
                sys.stderr.flush()
            finally:
                os._exit(code if isinstance(code, int) else 1)
    # Like a shell waiting for a foreground job: ^C and ^\ are for the program.
    old = [signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGQUIT)]
    try:
        while True:
            try:
                _, st = os.waitpid(pid, 0)
                break
            except InterruptedError:
                continue
    finally:
        for s, h in zip((signal.SIGINT, signal.SIGQUIT), old):
            signal.signal(s, h)
    if os.WIFSIGNALED(st):
        return 128 + os.WTERMSIG(st)
    return os.WEXITSTATUS(st)
