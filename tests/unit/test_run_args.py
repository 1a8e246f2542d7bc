"""`lxpack run` parsed without click (lxpack/_run_args.py) reads every
command line it accepts exactly as the click command does, and hands the
rest (help, unknown options, bad values) to click."""
import pytest

from lxpack import _run_args
from lxpack._cli_run import run as click_run

ACCEPTED = [
    ["./prog"],
    ["--", "./prog", "-x", "--stats"],
    ["--backend", "kvm", "--", "/bin/true"],
    ["--backend=unicorn", "prog", "a", "--", "b"],
    ["--strace", "--stats", "--foreign-host", "--root", "/tmp", "prog"],
    ["--strace-file", "/tmp/x.trace", "prog"],
    ["--host-exec", "/usr/bin/*", "--host-exec=/bin/sh", "prog", "--backend", "kvm"],
    ["prog", "--help"],
    ["-", "x"],
]
REFUSED = [
    [], ["--help"], ["-h"], ["--backend", "qemu", "prog"], ["--backend"], ["--bogus", "prog"],
    ["--", ], ["--root", "/etc/hostname", "prog"], ["--strace-file", "/tmp", "prog"],
]


def _click_params(args):
    ctx = click_run.make_context("run", list(args))
    p = ctx.params
    return dict(backend=p["backend"], root=p["root"], strace=p["strace"], strace_file=p["strace_file"],
                stats=p["stats"], host_exec=list(p["host_exec"]), foreign=p["foreign"],
                argv=[p["program"]] + list(p["args"]))


@pytest.mark.parametrize("args", ACCEPTED, ids=lambda a: " ".join(a))
def test_plain_run_options_read_as_click_reads_them(args):
    assert _run_args.parse(args) == _click_params(args)


@pytest.mark.parametrize("args", REFUSED, ids=lambda a: " ".join(a) or "empty")
def test_anything_else_is_left_to_click(args):
    assert _run_args.parse(args) is None
