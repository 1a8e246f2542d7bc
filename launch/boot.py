"""Composition root: turns a command line (lxpack run) or a bundle's
manifest into a running Linux program: host -> backend -> VFS -> unikernel.

The only module that imports all three of runtime.host, runtime.vmm and
unikernel. It also owns what a shell would say and return when a program
cannot start (127 not found, 126 not executable or wrong format), and the
--strace / --stats plumbing.
Travels inside bundles: Python 3.9.
"""
import json
import os
import pkgutil
import sys
import time

from lxpack.errors import BackendUnavailable, LxpackError, ProgramNotExecutable, ProgramNotFound, UsageError

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


class _CountingHost(object):
    """--stats: counts hypercalls (every call into the host layer) by name,
    and the time spent in them (blocking waits included)."""

    def __init__(self, host):
        object.__setattr__(self, "_host", host)
        object.__setattr__(self, "counts", {})
        object.__setattr__(self, "seconds", [0.0])

    def __getattr__(self, name):
        val = getattr(self._host, name)
        if callable(val):
            counts = self.counts
            seconds = self.seconds
            clock = time.perf_counter

            def counted(*a, **kw):
                counts[name] = counts.get(name, 0) + 1
                t0 = clock()
                try:
                    return val(*a, **kw)
                finally:
                    seconds[0] += clock() - t0
            object.__setattr__(self, name, counted)
            return counted
        return val

    def __setattr__(self, name, value):
        setattr(self._host, name, value)


def run_program(argv, backend="auto", root=None, strace=False, strace_file=None, stats=False, host_exec=(),
                env=None, argv0=None, exe_override=None, foreign=False, case_renamed=None, trace_file=None):
    """Run argv[0] with argv under lxpack; returns the exit status (or ends
    this process with the program's fatal signal, so the parent sees it).
    trace_file: append the record of every path the program tree looks up
    there (lxpack trace; unikernel/kernel/pathtrace.py)."""
    from lxpack.runtime.host import posix
    from lxpack.runtime.host.api import Upcalls
    from lxpack.runtime.vmm import registry
    from lxpack.unikernel.kernel.kernel import Config, CpuInfo, Kernel
    from lxpack.unikernel.kernel.loader import WrongFormat
    from lxpack.unikernel.kernel.vfs.resolve import Vfs
    from lxpack.unikernel.syscall import strace as strace_mod
    from lxpack.unikernel.syscall.table import Stats
    from lxpack.unikernel.errors import LinuxError, ProcessExit

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
    facts = _cpu_facts(be)
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
        from lxpack.unikernel.kernel.pathtrace import PathTrace
        try:
            fd = os.open(trace_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o644)
        except OSError as e:
            raise LxpackError("cannot write the trace to %s: %s" % (trace_file, e.strerror))
        pathtrace = PathTrace(host, _move_high(fd))
    st = Stats() if stats else None
    warn = (lambda msg: diag.write("lxpack: %s\n" % msg)) if (strace or os.environ.get("LXPACK_WARN")) else None
    config = Config(strace=trace_stream, stats=st, host_exec=host_exec, warn=warn, pathtrace=pathtrace)
    vdso = _vdso_for(be)
    kernel = Kernel(host, be, vfs, cpu, vdso, config)
    t = kernel.new_process()
    from lxpack.unikernel.kernel import execve as X
    guest_path = os.fsencode(path)
    envp = [k + b"=" + v for k, v in environ.items()]
    gargv = [os.fsencode(a) for a in argv]
    if argv0 is not None:
        gargv[0] = os.fsencode(argv0)
    try:
        plan = X.plan(kernel, -100, guest_path, gargv, envp)
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
    except LinuxError as e:
        raise _start_error(prog, e.errno)
    finally:
        host.close(plan.fd)
    _reset_python_signal_dispositions()
    kernel.start_signals(posix.SignalBridge)
    if be.name == "kvm":
        _setup_kvm_kick()

    def finish(result, from_thread=True):
        """End the program: --stats, then the exit status or fatal signal."""
        try:
            if st is not None:
                for line in strace_mod.format_stats(st, _stats_extra(host, t, t_start, st)):
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


def _setup_kvm_kick():
    """A host signal with a no-op handler pulls a vCPU thread out of KVM_RUN
    (EINTR) when another thread must stop it (a signal for the guest,
    exit_group). SIGRTMAX: Linux programs rarely use the last RT signal."""
    import signal
    from lxpack.runtime.vmm.kvm import backend as kb
    sig = getattr(signal, "SIGRTMAX", None)
    if sig is None:
        return
    signal.signal(sig, lambda s, f: None)
    kb.set_kick_signal(sig)


VDSO_MARKER = b"XLTPAGE!"


def _vdso_for(be):
    """The vDSO image, patched with the backend's time page address (0 = none:
    the vDSO then makes real system calls)."""
    import struct
    vdso = bytearray(pkgutil.get_data("lxpack.unikernel.guest", "vdso.so"))
    addr = getattr(be, "timepage_address", 0)
    i = vdso.find(VDSO_MARKER)
    if i >= 0 and addr:
        struct.pack_into("<Q", vdso, i + 8, addr)
    return bytes(vdso)


def _start_error(prog, errno):
    """What a shell says, and its status, when a program cannot start."""
    if errno == 2:
        return ProgramNotFound("%s: No such file or directory" % prog)
    if errno in (8, 80):
        return ProgramNotExecutable("%s: cannot execute binary file: Exec format error" % prog)
    if errno == 13:
        return ProgramNotExecutable("%s: Permission denied" % prog)
    if errno == 12:
        return ProgramNotExecutable("%s: cannot execute: out of memory" % prog)
    if errno == 40:
        return ProgramNotExecutable("%s: cannot execute: Too many levels of symbolic links" % prog)
    return ProgramNotExecutable("%s: cannot execute: %s" % (prog, os.strerror(errno)))


def _stats_extra(host, t, t_start, st=None):
    """The lines --stats adds below the syscall table: hypercalls (calls into
    the host layer), VM exits, what the guest code served itself, and the
    wall time split between the guest, the unikernel and the host."""
    from lxpack.abi.syscalls_x86_64 import SYSCALL_NAMES
    counts = getattr(host, "counts", {})
    total = sum(counts.values())
    top = ", ".join("%s %d" % kv for kv in sorted(counts.items(), key=lambda kv: -kv[1])[:12])
    lines = ["hypercalls: %d (%s)" % (total, top)]
    vcpu = t.vcpu
    vm = vcpu.vm
    exits = getattr(vcpu, "exits", None)
    if exits is None:
        lines.append("vm exits: none (unicorn: every syscall is served by the emulator's hook)")
    else:
        fast = vm.fast_counts() if hasattr(vm, "fast_counts") else {}
        nfast = sum(fast.values())
        lines.append("vm exits: %d; syscalls served inside the VM: %d (%s)" % (
            exits, nfast, ", ".join("%s %d" % (SYSCALL_NAMES.get(nr, nr), c) for nr, c in sorted(fast.items()))
            or "none"))
        lines.append("clock_gettime/gettimeofday/time through the vDSO time page never exit (not counted)")
    wall = time.perf_counter() - t_start
    in_calls = sum(st.time) if st is not None else 0.0
    in_host = min(getattr(host, "seconds", [0.0])[0], in_calls)
    lines.append("wall time: %.3f s = guest %.3f s (its own code, VM entries and exits) + unikernel %.3f s "
                 "(serving system calls) + host %.3f s (hypercalls, blocking waits included)"
                 % (wall, max(0.0, wall - in_calls), in_calls - in_host, in_host))
    return lines


def _move_high(fd):
    from lxpack.runtime.host import fds
    return fds.move_high(fd, fds.OFFSET_LAUNCH)


_FACTS = {}


def _cpu_facts(be):
    if be.name not in _FACTS:
        if be.name == "unicorn":
            from lxpack.runtime.vmm.unicorn import backend as ub
            _FACTS[be.name] = ub.cpu_facts()
        else:
            _FACTS[be.name] = be.cpu_facts()
    return _FACTS[be.name]


def _check_case_insensitive(manifest, renamed):
    """Foreign-host mode: the bundle must fit a case-insensitive disk (a
    Mac's default), as stored (after the packer's case renames)."""
    from lxpack.unikernel.kernel.vfs import macview
    stored = []
    for e in manifest.get("closure", []):
        parts = e["path"].split("/")
        out = ""
        for i in range(1, len(parts)):
            g = "/".join(parts[:i + 1])
            s = renamed.get(g)
            out += "/" + (s.rpartition("/")[2] if s else parts[i])
        stored.append(out)
    clashes = macview.case_clashes(stored)
    if clashes:
        a, b = clashes[0]
        raise ProgramNotExecutable("bundle cannot live on a case-insensitive disk (a Mac's): %s and %s "
                         "(%d such pair%s; repack with this lxpack)"
                         % (a, b, len(clashes), "" if len(clashes) == 1 else "s"))


def run_bundle(resources_dir, argv):
    """Run the program a bundle carries (called by the bundle's run.py)."""
    resources_dir = os.path.abspath(resources_dir)
    with open(os.path.join(resources_dir, "lxpack", "manifest.json")) as f:
        manifest = json.load(f)
    root = os.path.join(resources_dir, "root")
    env = dict(os.environb)
    for k, v in sorted(manifest.get("env", {}).items()):
        env[os.fsencode(k)] = os.fsencode(v)
    entry = manifest["entry"]
    argv0 = manifest.get("argv0") or os.path.basename(entry)
    backend = os.environ.get("LXPACK_BACKEND", "auto")
    foreign = os.environ.get("LXPACK_FOREIGN_HOST", "") not in ("", "0")
    renamed = manifest.get("case_renamed") or {}
    try:
        if foreign:
            _check_case_insensitive(manifest, renamed)
        return run_program([entry] + list(argv), backend=backend, root=root, env=env, argv0=argv0,
                           host_exec=manifest.get("host_exec", []), foreign=foreign, case_renamed=renamed,
                           strace=bool(os.environ.get("LXPACK_STRACE")),
                           stats=bool(os.environ.get("LXPACK_STATS")),
                           trace_file=os.environ.get("LXPACK_TRACE_FILE") or None)
    except LxpackError as e:
        sys.stderr.write("%s: %s\n" % (manifest.get("name", "lxpack"), e))
        return e.exit_code
