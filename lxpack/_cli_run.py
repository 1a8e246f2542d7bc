"""`lxpack run` and `lxpack doctor`: thin click wrappers over lxpack.launch.boot."""
import sys

import click


@click.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.option("--backend", default="auto", show_default=True,
              type=click.Choice(["auto", "unicorn", "kvm", "hvf"]),
              help="Which CPU backend runs the program.")
@click.option("--root", type=click.Path(file_okay=False), default=None,
              help="A Linux root directory overlaid on host paths (default: the host itself).")
@click.option("--strace", "strace", is_flag=True, help="Print every system call, strace-style, to stderr.")
@click.option("--strace-file", type=click.Path(dir_okay=False), default=None,
              help="Write the --strace lines to this file instead of stderr.")
@click.option("--stats", is_flag=True, help="Print syscall, VM exit and hypercall counts at exit.")
@click.option("--host-exec", "host_exec", multiple=True, metavar="PATTERN",
              help="execve of a path matching this glob runs the host program instead.")
@click.option("--foreign-host", "foreign", is_flag=True,
              help="With --root: show the program only the host paths a Mac has (the bundle must "
                   "carry the rest), as a bundle does with LXPACK_FOREIGN_HOST=1.")
@click.argument("program")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def run(backend, root, strace, strace_file, stats, host_exec, foreign, program, args):
    """Run a Linux x86-64 PROGRAM with ARGS under lxpack, without packing it.

    Exits with the program's status; a death by signal N is mirrored (the
    shell sees 128+N).
    """
    from lxpack.launch import boot
    status = boot.run_program([program] + list(args), backend=backend, root=root,
                              strace=strace or bool(strace_file), strace_file=strace_file,
                              stats=stats, host_exec=list(host_exec), foreign=foreign)
    sys.exit(status)


@click.command()
def doctor():
    """Say what this host is (CPU, Rosetta, the interpreter's hypervisor
    entitlement, what Hypervisor.framework answers on a Mac), which backends
    work here, and why the others do not."""
    from lxpack.launch import boot, hostinfo
    for label, text in hostinfo.report():  # before the backends: hv_vm_create's VM is gone by then
        click.echo("%-13s %s" % (label + ":", text))
    results = boot.probe_backends()
    usable = [r for r in results if r.ok]
    for r in results:
        click.echo("%-8s %s  %s" % (r.name, "ok  " if r.ok else "no  ", r.reason))
    if usable:
        click.echo("auto -> %s" % usable[0].name)
    else:
        click.echo("auto -> none: no backend can run programs on this host")
    sys.exit(0 if usable else 5)
