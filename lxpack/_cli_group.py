"""The `lxpack` command line as a click group: pack (the default), inspect, inspect-bundle,
run, trace and doctor (lxpack.cli.main starts it; `lxpack run` with plain
options is parsed without click, lxpack/_run_args.py).

This module owns argument parsing and the mapping of errors to exit codes
only; the work is done by lxpack.packager (pack, inspect) and
lxpack.launch.boot (run, doctor). A user never sees a traceback for a bad
input: LxpackError becomes one line on stderr and its exit_code.

Exit codes:
  0 success; 1 generic error; 2 usage error; 3 cannot pack (not an ELF, wrong
  architecture, missing libraries...); 4 output exists (use --force);
  5 no usable backend; 126 program not executable or wrong format;
  127 program not found; otherwise `run` exits with the program's own status
  (128+N when it died from signal N).
"""
import sys

import click

from lxpack import __version__
from lxpack.errors import LxpackError

COMMANDS = ("pack", "inspect", "inspect-bundle", "run", "trace", "doctor")


class DefaultToPack(click.Group):
    """`lxpack BINARY -o OUT` means `lxpack pack BINARY -o OUT`."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["pack"] + list(args)
        return super().parse_args(ctx, args)


@click.group(cls=DefaultToPack, context_settings={"help_option_names": ["-h", "--help"]},
             epilog="Exit codes: 0 ok; 1 error; 2 usage; 3 cannot pack (not an ELF, wrong arch, "
             "missing libraries); 4 output exists (use --force); 5 no usable backend; "
             "126 not executable / wrong format; 127 not found; `run` exits with the "
             "program's status (128+N for death by signal N).")
@click.version_option(__version__, prog_name="lxpack")
def cli():
    """Pack a Linux x86-64 program into a self-contained macOS .app or one
    self-running file, inspect its library closure, or run it directly.

    \b
      lxpack ./tool -o Tool.app          pack (same as `lxpack pack ...`)
      lxpack inspect ./tool [--json]     show the shared-library closure
      lxpack inspect-bundle Tool.app     Mach-O files, signatures, entitlements
      lxpack run -- ./tool ARGS          run a Linux binary without packing
      lxpack trace -o P -- ./tool ARGS   record the files it reads from this system
      lxpack ./tool -o T.app --profile P pack them too (what a Mac lacks)
      lxpack doctor                      which backends work here
    """


def _register_commands():
    from lxpack import _cli_pack, _cli_run, _cli_trace
    cli.add_command(_cli_pack.pack)
    cli.add_command(_cli_pack.inspect)
    cli.add_command(_cli_pack.inspect_bundle)
    cli.add_command(_cli_run.run)
    cli.add_command(_cli_trace.trace)
    cli.add_command(_cli_run.doctor)


_register_commands()


def main(argv=None):
    """Entry point: run the group, turning LxpackError into a one-line message."""
    try:
        rv = cli.main(args=argv, prog_name="lxpack", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("lxpack: aborted", err=True)
        sys.exit(130)
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except LxpackError as e:
        click.echo("lxpack: %s" % e, err=True)
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as e:  # a bug in lxpack: one line, the details on request
        import os
        if os.environ.get("LXPACK_DEBUG"):
            raise
        click.echo("lxpack: internal error: %s: %s (set LXPACK_DEBUG=1 for details)"
                   % (type(e).__name__, e), err=True)
        sys.exit(70)
    sys.exit(rv if isinstance(rv, int) else 0)
