"""`lxpack run` without click: the options of lxpack/_cli_run.py's `run`
parsed by hand, for the common case only.

parse() returns None for anything it is not sure to read exactly as click
would (--help, an unknown option, a --backend outside the choices, a
--root that is a file, a missing program...), and the click command then
parses the same arguments and prints its own message. A test checks that
both read the same options the same way (tests/unit/test_run_args.py).
Error handling and exit codes are lxpack/_cli_group.py's main's.
"""
import os
import sys

BACKENDS = ("auto", "unicorn", "kvm", "hvf")
_VALUED = ("--backend", "--root", "--strace-file", "--host-exec")
_FLAGS = {"--strace": "strace", "--stats": "stats", "--foreign-host": "foreign"}


def parse(args):
    """The run options of args (after `run`) as a dict, or None: ask click."""
    o = dict(backend="auto", root=None, strace=False, strace_file=None, stats=False, host_exec=[],
             foreign=False)
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            i += 1
            break
        if not a.startswith("-") or a == "-":
            break
        name, eq, value = a.partition("=")
        if name in _VALUED:
            if not eq:
                if i + 1 >= len(args):
                    return None
                i += 1
                value = args[i]
            key = name[2:].replace("-", "_")
            if key == "host_exec":
                o["host_exec"].append(value)
            else:
                o[key] = value
        elif a in _FLAGS:
            o[_FLAGS[a]] = True
        else:
            return None
        i += 1
    if i >= len(args):
        return None                      # no PROGRAM: click's usage error
    if o["backend"] not in BACKENDS:
        return None
    if o["root"] is not None and (o["root"] == "" or os.path.isfile(o["root"])):
        return None
    if o["strace_file"] is not None and (o["strace_file"] == "" or os.path.isdir(o["strace_file"])):
        return None
    o["argv"] = list(args[i:])
    return o


def run(o):
    """Run the parsed command line; never returns (exit status as `lxpack run`)."""
    from lxpack.errors import LxpackError
    try:
        from lxpack.launch import boot
        status = boot.run_program(o["argv"], backend=o["backend"], root=o["root"],
                                  strace=o["strace"] or bool(o["strace_file"]), strace_file=o["strace_file"],
                                  stats=o["stats"], host_exec=list(o["host_exec"]), foreign=o["foreign"])
    except LxpackError as e:
        sys.stderr.write("lxpack: %s\n" % e)
        sys.exit(e.exit_code)
    except (KeyboardInterrupt, EOFError):
        sys.stderr.write("\nlxpack: aborted\n")      # as click's Abort
        sys.exit(130)
    except Exception as e:  # a bug in lxpack: one line, the details on request
        if os.environ.get("LXPACK_DEBUG"):
            raise
        sys.stderr.write("lxpack: internal error: %s: %s (set LXPACK_DEBUG=1 for details)\n"
                         % (type(e).__name__, e))
        sys.exit(70)
    sys.exit(status if isinstance(status, int) else 0)
