"""Composition root: turns a command line (lxpack run) or a bundle's
manifest into a running Linux program: host -> backend -> VFS -> unikernel.

The only module that imports all three of runtime.host, runtime.vmm and
the unikernel (through its facade, lxpack.unikernel.facade, only). It opens
the --strace / --stats / trace streams; what --stats prints is stats.py's,
what a program that cannot start is told (127, 126) is messages.py's.
Travels inside bundles: Python 3.9.
"""
import os
import sys
import time

from lxpack.launch.messages import check_case_insensitive as _check_case_insensitive, start_error as _start_error
from lxpack.launch.stats import CountingHost as _CountingHost, served_inside as _served_inside, \
    stats_extra as _stats_extra
from lxpack.errors import BackendUnavailable, LxpackError, ProgramNotExecutable, ProgramNotFound, UsageError
from lxpack.runtime import pkgdata

FALLBACK_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def probe_backends():
    from lxpack.runtime.vmm import registry
    return registry.probe_all()


def _find_program(name, root, env_path):
    """Resolve a command name the way execvp does (PATH search when there is
    no slash), looking in the bundle root first when there is one."""
    def exists(p):
        if root and p.startswith("/") and os.path.exists(root + p):
            return True
        return os.path.exists(p)
    if "/" in name:
        return name if exists(name) else None
    for d in (env_path or FALLBACK_PATH).split(":"):
        cand = os.path.join(d or ".", name)
        if exists(cand):
            return cand
    return None


def run_program(argv, backend="auto", root=None, strace=False, strace_file=None, stats=False, host_exec=(),
                env=None, argv0=None, exe_override=None, foreign=False, case_renamed=None, trace_file=None):
    """Run argv[0] with argv under lxpack; returns the exit status (or ends
    this process with the program's fatal signal, so the parent sees it).
    trace_file: append the record of every path the program tree looks up
    there (lxpack trace; unikernel/kernel/pathtrace.py)."""
    from lxpack.runtime.host import posix
    from lxpack.runtime.host.api import Upcalls
    from lxpack.runtime.vmm import registry
    from lxpack.unikernel import facade as U
    from lxpack.unikernel.facade import Config, CpuInfo, LinuxError, SegmentPastEnd, Stats, Vfs, WrongFormat

    t_start = time.perf_counter()
    environ = dict(os.environb) if env is None else env
    root_b = os.fsencode(os.path.abspath(root)) if root else None
    prog = argv[0]
    path = exe_override or _find_program(prog, os.fsdecode(root_b) if root_b else None,
                                         os.fsdecode(environ.get(b"PATH", b"")) or None)
    if path is None:
        raise ProgramNotFound("%s: command not found" % prog if "/" not in prog
                              else "%s: No such file or directory" % prog)
    be = registry.get(backend)
    host = posix.PosixHost(Upcalls())      # the unikernel fills the upcalls in (host.upcalls)
    if stats:
        host = _CountingHost(host)
    if foreign and not root_b:
        raise UsageError("--foreign-host needs a bundle root (--root DIR)")
    vfs = Vfs(host, root_b, foreign=foreign, case_renamed=case_renamed)
    facts = be.cpu_facts()
    cpu = CpuInfo(facts["hwcap"], facts["hwcap2"], facts["vendor"], facts["model_name"], facts["flags"])
    # The runtime's own copy of stderr, above the guest's fds: --stats,
    # --strace and warnings still reach the terminal after the guest closed
    # its fd 2 (ls, sort... close stdout and stderr before exiting).
    diag = None
    if stats or strace or os.environ.get("LXPACK_WARN"):
        diag = os.fdopen(_move_high(os.dup(2)), "w", buffering=1)
    trace_stream = None
    if strace_file:
        fd = os.open(strace_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
        fd = _move_high(fd)
        trace_stream = os.fdopen(fd, "w", buffering=1)
    elif strace:
        trace_stream = diag
    pathtrace = None
    if trace_file:
        try:
            fd = os.open(trace_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o644)
        except OSError as e:
            raise LxpackError("cannot write the trace to %s: %s" % (trace_file, e.strerror))
        pathtrace = U.PathTrace(host, _move_high(fd))
    st = Stats() if stats else None
    warn = (lambda msg: diag.write("lxpack: %s\n" % msg)) if (strace or os.environ.get("LXPACK_WARN")) else None
    config = Config(strace=trace_stream, stats=st, host_exec=host_exec, warn=warn, pathtrace=pathtrace)
    vdso = _vdso_for(be)
    kernel = U.build_kernel(host, be, vfs, config, cpu=cpu, vdso=vdso)
    t = kernel.new_process()
    guest_path = os.fsencode(path)
    envp = [k + b"=" + v for k, v in environ.items()]
    gargv = [os.fsencode(a) for a in argv]
    if argv0 is not None:
        gargv[0] = os.fsencode(argv0)
    try:
        plan = U.plan_exec(kernel, guest_path, gargv, envp)
    except LinuxError as e:
        raise _start_error(prog, e.errno)
    if plan.kind == "host":
        try:
            host.execve(plan.hostpath, plan.argv, plan.envp)
        except LinuxError as e:
            raise _start_error(prog, e.errno)
    try:
        kernel.exec_image(t, plan.fd, plan.path, plan.argv, plan.envp, execfn=plan.execfn)
    except WrongFormat:
        raise ProgramNotExecutable("%s: cannot execute binary file: Exec format error" % prog)
    except SegmentPastEnd:
        # Linux gets past the point of no return with a truncated ELF and
        # kills the new program: SIGSEGV as the shell sees it.
        host.session_forget(host.getpid())
        from lxpack.abi.signal import SIGSEGV
        host.die_by_signal(SIGSEGV)
    except LinuxError as e:
        raise _start_error(prog, e.errno)
    finally:
        host.close(plan.fd)
    _reset_python_signal_dispositions()
    kernel.start_signals(posix.SignalBridge)
    if be.needs_kick_signal:
        _setup_kick(be)

    def finish(result, from_thread=True):
        """End the program: --stats, then the exit status or fatal signal."""
        host.session_forget(host.getpid())
        try:
            if st is not None:
                for line in U.format_stats(st, _stats_extra(host, t, t_start, st), _served_inside(t)):
                    diag.write(line + "\n")
            for stream in (trace_stream, diag):
                if stream is not None:
                    stream.flush()
        except (OSError, ValueError):
            pass          # nowhere left to report to: the exit status still counts
        if result.signal:
            host.die_by_signal(result.signal)
        # The guest process is over and the runtime holds nothing that needs
        # Python's own shutdown (module teardown costs ~30 ms, and the same
        # again in every forked child): leave at once, as _exit does.
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        host.exit(result.status)
        return result.status

    kernel.finisher = finish
    result = kernel.run(t)
    return finish(result, from_thread=False)


def _reset_python_signal_dispositions():
    """Python starts with SIGPIPE and SIGXFSZ ignored; a Linux program (and
    any host program it execs: ignored signals survive exec) expects the
    default actions, so put them back before the guest starts."""
    import signal
    for name in ("SIGPIPE", "SIGXFSZ"):
        sig = getattr(signal, name, None)
        if sig is not None:
            try:
                signal.signal(sig, signal.SIG_DFL)
            except (OSError, ValueError):
                pass


def _setup_kick(be):
    """A host signal with a no-op handler pulls a vCPU thread out of guest
    code (KVM_RUN ends with EINTR) when another thread must stop it (a
    signal for the guest, exit_group). SIGRTMAX: Linux programs rarely use
    the last RT signal."""
    import signal
    sig = getattr(signal, "SIGRTMAX", None)
    if sig is None:
        return
    signal.signal(sig, lambda s, f: None)
    be.set_kick_signal(sig)


VDSO_MARKER = b"XLTPAGE!"


def _vdso_for(be):
    """The vDSO image, patched with the backend's time page address (0 = none:
    the vDSO then makes real system calls)."""
    import struct
    vdso = bytearray(pkgdata.get_data("lxpack.unikernel.guest", "vdso.so"))
    addr = be.timepage_address
    i = vdso.find(VDSO_MARKER)
    if i >= 0 and addr:
        struct.pack_into("<Q", vdso, i + 8, addr)
    return bytes(vdso)


def _move_high(fd):
    from lxpack.runtime.host import fds
    return fds.move_high(fd, fds.OFFSET_LAUNCH)




def run_bundle(resources_dir, argv):
    """Run the program a bundle carries (called by the bundle's run.py)."""
    from lxpack import manifest_json as M       # not lxpack.manifest: its dataclasses cost ~15 ms
    resources_dir = os.path.abspath(resources_dir)
    with open(os.path.join(resources_dir, "lxpack", "manifest.json"), "rb") as f:
        manifest = M.read(f.read())   # ProgramNotExecutable: run.py prints it on one line
    name = M.field(manifest, "name", str, None)
    entry = M.field(manifest, "entry", str, None)
    argv0 = M.field(manifest, "argv0", str, None)
    root = os.path.join(resources_dir, "root")
    env = dict(os.environb)
    for k, v in sorted(M.field(manifest, "env", dict, {}).items()):
        env[os.fsencode(k)] = os.fsencode(v)
    argv0 = argv0 or os.path.basename(entry)
    backend = os.environ.get("LXPACK_BACKEND", "auto")
    foreign = os.environ.get("LXPACK_FOREIGN_HOST", "") not in ("", "0")
    renamed = M.field(manifest, "case_renamed", dict, {}) or {}
    host_exec = M.field(manifest, "host_exec", list, [])
    try:
        if foreign:
            _check_case_insensitive(manifest, renamed)
        return run_program([entry] + list(argv), backend=backend, root=root, env=env, argv0=argv0,
                           host_exec=host_exec, foreign=foreign, case_renamed=renamed,
                           strace=bool(os.environ.get("LXPACK_STRACE")),
                           stats=bool(os.environ.get("LXPACK_STATS")),
                           trace_file=os.environ.get("LXPACK_TRACE_FILE") or None)
    except LxpackError as e:
        sys.stderr.write("%s: %s\n" % (name or "lxpack", e))
        return e.exit_code
