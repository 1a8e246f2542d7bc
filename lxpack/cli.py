"""The `lxpack` command's entry point (pyproject: lxpack.cli:main).

`lxpack run [plain options] PROGRAM ARGS` starts without click: it is the
command a build system runs thousands of times, and importing click costs
tens of milliseconds per process (lxpack/_run_args.py parses it, and hands
anything it does not know, --help or a bad value, to click so the messages
stay click's). Everything else is the click group in lxpack/_cli_group.py.
Exit codes are listed there.
"""
import sys


def main(argv=None):
    args = sys.argv[1:] if argv is None else list(argv)
    if args and args[0] == "run":
        from lxpack import _run_args
        opts = _run_args.parse(args[1:])
        if opts is not None:
            _run_args.run(opts)          # exits
    from lxpack._cli_group import main as click_main
    click_main(argv)


def __getattr__(name):
    # lxpack.cli.cli (the click group) stays reachable for tools and tests.
    if name == "cli":
        from lxpack._cli_group import cli
        return cli
    raise AttributeError(name)
