"""Host signals of the POSIX host: the bridge that hands them to the
unikernel, dispositions set for real, sending signals and dying by one.

Owns: SignalBridge (host signal -> the unikernel's callback; default and
ignore dispositions set on the host process itself, so default-action
deaths and ignored signals behave natively, also across exec of host
programs), Signals (kill, exit, die_by_signal), the raw libc sigaction used
from any thread, and the set of host signals a fork blocks (fork_blocked).
Signal numbers cross by name through xlat (X).
Private to runtime/host (the facade is posix.PosixHost; boot builds the
bridge through posix.SignalBridge). Python 3.9.
"""
import os
import signal
import struct
import sys
import threading

from lxpack.abi import errno as E
from lxpack.abi import signal as S
from lxpack.runtime.host import clib as _clib
from lxpack.runtime.host._common import X, call, high
from lxpack.runtime.host.api import LinuxError


class Signals(object):
    """Signals sent by the guest and the end of the host process (stateless)."""

    def kill(self, pid, linux_sig):
        hsig = X.signal_to_host(linux_sig) if linux_sig else 0
        if hsig is None:
            raise LinuxError(E.EINVAL)
        call(os.kill, pid, hsig)

    def exit(self, status):
        os._exit(status & 0xff)

    def die_by_signal(self, linux_sig):
        """End this host process by the signal's default action (the parent sees it)."""
        hsig = X.signal_to_host(linux_sig)
        sys.stdout.flush()
        sys.stderr.flush()
        if hsig is not None:
            # From any thread: the default action, unblocked here, sent to
            # this thread (SIGKILL/SIGSTOP have no action to set).
            if hsig not in (signal.SIGKILL, signal.SIGSTOP):
                set_host_default(hsig)
            try:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, [hsig])
                signal.pthread_kill(threading.get_ident(), hsig)
                os.kill(os.getpid(), hsig)
            except (OSError, ValueError):
                pass
        os._exit(128 + linux_sig)


# Host signals the bridge never takes over: uncatchable ones, the ones a
# fault in the runtime itself raises (catching those would loop), and the
# kvm backend's vCPU kick (SIGRTMAX, see boot._setup_kvm_kick).
def _unmanaged():
    out = {signal.SIGKILL, signal.SIGSTOP, signal.SIGSEGV, signal.SIGBUS, signal.SIGILL, signal.SIGFPE,
           signal.SIGTRAP}
    rtmax = getattr(signal, "SIGRTMAX", None)
    if rtmax is not None:
        out.add(rtmax)
    return out


def fork_blocked():
    """Every host signal but the ones a fault raises (Processes.fork)."""
    valid = set(signal.valid_signals()) if hasattr(signal, "valid_signals") else set(range(1, 32))
    return valid - _unmanaged() | ({signal.SIGRTMAX} if hasattr(signal, "SIGRTMAX") else set())


_SIGACTION_BUF = 256      # larger than struct sigaction on Linux (152) and macOS (16)


def _raw_sigaction(hsig, new=None):
    """libc sigaction(2) on raw struct bytes (works from any thread, unlike
    signal.signal); returns the previous struct's bytes."""
    import ctypes
    lib = _libc()
    old = ctypes.create_string_buffer(_SIGACTION_BUF)
    newbuf = None if new is None else ctypes.create_string_buffer(bytes(new), _SIGACTION_BUF)
    # SAFETY: both buffers are larger than the platform's struct sigaction.
    if lib.sigaction(hsig, newbuf, old) != 0:
        raise OSError(ctypes.get_errno(), "sigaction")
    return old.raw


def _with_handler(raw, handler):
    """A copy of struct sigaction bytes with sa_handler (offset 0 on Linux
    and macOS) replaced: 0 = SIG_DFL, 1 = SIG_IGN."""
    return struct.pack("P", handler) + raw[struct.calcsize("P"):]


def set_host_default(hsig):
    """Give hsig its default action from any thread (die_by_signal)."""
    try:
        raw = _raw_sigaction(hsig)
        _raw_sigaction(hsig, _with_handler(raw, 0))
    except OSError:
        pass


class SignalBridge(object):
    """Host signals -> the unikernel.

    set(linux_sig, mode, callback): mode 'default' and 'ignore' set the host
    disposition itself (so default-action deaths and ignored signals behave
    natively, also across exec of host programs); 'catch' installs a host
    handler that calls callback(linux_sig) in the main thread. A watcher
    thread reads the wakeup fd and calls kick() so a guest spinning in
    emulated code without system calls still returns to Python promptly.

    set() works from any host thread (a guest thread calling sigaction or
    sigprocmask is often not the main one): at start the bridge registers
    its Python handler for every signal it manages, keeps the struct
    sigaction CPython installs, and puts the previous disposition back;
    later changes are made with libc sigaction directly, swapping between
    SIG_DFL, SIG_IGN and that saved struct. CPython still runs the handler
    in the main thread only, so every other host thread the runtime starts
    (start_thread) blocks the asynchronous signals: the host kernel then
    delivers them to the main thread, interrupting whatever it waits in.
    """

    def __init__(self, kick):
        self.kick = kick
        self._callbacks = {}        # host signal -> callable(linux_sig), or None (no-op)
        self._catch = {}            # host signal -> struct sigaction bytes of the Python handler
        self._ignored_at_start = []
        self._async = set()         # host signals blocked in the runtime's other threads
        rtmax = getattr(signal, "SIGRTMAX", None)
        self._quiet = {int(rtmax)} if rtmax is not None else set()   # not for the guest (boot._setup_kvm_kick)
        self._install()
        self._start()

    def _install(self):
        skip = _unmanaged()
        valid = set(signal.valid_signals()) if hasattr(signal, "valid_signals") else set(range(1, 32))
        self._async = valid - skip
        for lsig in range(1, S.SIGRTMAX + 1):
            hsig = X.signal_to_host(lsig)
            if hsig is None or hsig in skip or hsig not in valid:
                continue
            try:
                before = _raw_sigaction(hsig)
                was = signal.getsignal(hsig)
                if was == signal.SIG_IGN and lsig < S.SIGRTMIN:
                    self._ignored_at_start.append(lsig)
                signal.signal(hsig, self._on_signal)
                # Back to what the process started with: ignored stays
                # ignored, anything else (CPython's own SIGINT handler
                # too) is the default action until the guest says otherwise.
                tmpl = self._catch[hsig] = _raw_sigaction(hsig)
                _raw_sigaction(hsig, before if was == signal.SIG_IGN else _with_handler(tmpl, 0))
            except (OSError, ValueError, RuntimeError):
                continue

    def _on_signal(self, hsig, frame):
        cb = self._callbacks.get(hsig)
        if cb is not None:
            cb(X.signal_to_linux(hsig))

    def _start(self):
        r, w = os.pipe()
        self._r, self._w = high(r), high(w)
        os.set_blocking(self._w, False)
        signal.set_wakeup_fd(self._w, warn_on_full_buffer=False)
        self.start_thread(self._watch, (), "lxpack-signals")

    def start_thread(self, target, args, name):
        """A daemon host thread that blocks the asynchronous signals (see
        the class doc), so they reach the main thread."""
        th = threading.Thread(target=target, args=args, name=name, daemon=True)
        old = signal.pthread_sigmask(signal.SIG_BLOCK, self._async)
        try:
            th.start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)
        return th

    def inherited_ignored(self):
        """Linux numbers of the signals this process started with ignored
        (nohup's SIGHUP, a shell's background SIGINT/SIGQUIT): the guest
        inherits them ignored, as a Linux program would."""
        return list(self._ignored_at_start)

    def after_fork_child(self):
        """The watcher thread did not survive fork, and the wakeup pipe is
        shared with the parent: make new ones. The forking thread may have
        been one with signals blocked: it is the main thread now."""
        for fd in (self._r, self._w):
            try:
                os.close(fd)
            except OSError:
                pass
        self._start()
        try:
            # Host signals were blocked since before fork (PosixHost.fork).
            signal.pthread_sigmask(signal.SIG_SETMASK, [])
        except (OSError, ValueError):
            pass

    def _watch(self):
        while True:
            try:
                data = os.read(self._r, 64)
            except OSError:
                return
            if not data:
                return
            # The kvm kick signal (SIGRTMAX) has a Python handler too, so it
            # writes here: kicking again for it would loop forever.
            if any(b not in self._quiet for b in data):
                self.kick()

    def set(self, linux_sig, mode, callback):
        hsig = X.signal_to_host(linux_sig)
        tmpl = self._catch.get(hsig) if hsig is not None else None
        if tmpl is None:
            return
        if mode == "default" and hsig == signal.SIGCHLD:
            # Still the default action (no auto-reaping), but a handler
            # makes the wakeup fd fire, so a guest blocked in wait4 wakes.
            self._callbacks[hsig] = None
            raw = tmpl
        elif mode == "default":
            raw = _with_handler(tmpl, 0)
        elif mode == "ignore":
            raw = _with_handler(tmpl, 1)
        else:
            self._callbacks[hsig] = callback
            raw = tmpl
        try:
            _raw_sigaction(hsig, raw)
        except OSError:
            pass


_LIBC = []


def _libc():
    if not _LIBC:
        import ctypes
        lib = _clib.open_libc()
        lib.sigaction.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p]
        _LIBC.append(lib)
    return _LIBC[0]
