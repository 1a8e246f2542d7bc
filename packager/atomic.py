"""Atomic outputs: a pack writes into a temporary sibling of OUT and renames
it into place only when everything succeeded.

Owns: the checks on OUT (its directory exists and is writable, OUT does not
exist unless --force, and --force only ever replaces a file or an earlier
lxpack bundle), the temporary sibling, the final rename (the old output is
moved aside first and removed after), and removing the temporary on any
failure, Ctrl-C and SIGTERM/SIGHUP included -- a failed pack leaves nothing.

Imports: lxpack.errors.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import threading

from lxpack.errors import OutputError, OutputExistsError

BUNDLE_MARKERS = ("Contents/Resources/lxpack/manifest.json", "Resources/lxpack/manifest.json")


class Terminated(BaseException):
    """SIGTERM or SIGHUP arrived while a pack was writing."""

    def __init__(self, signum: int):
        super().__init__("terminated by signal %d" % signum)
        self.signum = signum


def check_output(out: str, force: bool) -> str:
    """Validate OUT before any work; returns its absolute path."""
    out = os.path.abspath(out)
    parent = os.path.dirname(out)
    if not os.path.isdir(parent):
        if os.path.exists(parent):
            raise OutputError("cannot write %s: %s is not a directory" % (out, parent))
        raise OutputError("cannot write %s: directory %s does not exist" % (out, parent))
    if os.path.lexists(out):
        if not force:
            raise OutputExistsError("%s already exists (use --force to replace it)" % out)
        if os.path.isdir(out) and not os.path.islink(out) and not _replaceable_dir(out):
            raise OutputExistsError("%s is a directory that is not an lxpack bundle; "
                                    "refusing to replace it, even with --force" % out)
    return out


def probe_writable(out: str) -> None:
    """Fail early (before resolving and hashing) if OUT's directory refuses new files."""
    parent = os.path.dirname(os.path.abspath(out))
    try:
        fd, probe = tempfile.mkstemp(prefix=_tmp_prefix(out) + "probe-", dir=parent)
    except OSError as e:
        raise OutputError("cannot write to %s: %s" % (parent, e.strerror or e)) from None
    os.close(fd)
    os.unlink(probe)


def _replaceable_dir(path: str) -> bool:
    return not os.listdir(path) or any(os.path.isfile(os.path.join(path, m)) for m in BUNDLE_MARKERS)


def _tmp_prefix(out: str) -> str:
    return ".%s.lxpack-" % os.path.basename(out)


@contextlib.contextmanager
def atomic_output(out: str, directory: bool, force: bool):
    """Yield a temporary path (a new empty directory, or a new empty file) next
    to OUT; on success it becomes OUT, on any failure it is removed."""
    out = check_output(out, force)
    parent = os.path.dirname(out)
    try:
        if directory:
            tmp = tempfile.mkdtemp(prefix=_tmp_prefix(out), dir=parent)
        else:
            fd, tmp = tempfile.mkstemp(prefix=_tmp_prefix(out), dir=parent)
            os.close(fd)
    except OSError as e:
        raise OutputError("cannot write to %s: %s" % (parent, e.strerror or e)) from None
    with _signals_raise():
        try:
            yield tmp
            os.chmod(tmp, 0o755)
            _commit(tmp, out, force)
        except BaseException:
            _remove(tmp)
            raise


def _commit(tmp: str, out: str, force: bool) -> None:
    if not os.path.lexists(out):
        os.rename(tmp, out)
        return
    if not force:  # appeared while we worked
        raise OutputExistsError("%s already exists (use --force to replace it)" % out)
    if os.path.isdir(out) and not os.path.islink(out):
        old = tempfile.mkdtemp(prefix=_tmp_prefix(out) + "old-", dir=os.path.dirname(out))
        aside = os.path.join(old, "x")
        os.rename(out, aside)
        try:
            os.rename(tmp, out)
        except OSError:
            os.rename(aside, out)
            raise
        finally:
            _remove(old)
    elif os.path.isdir(tmp):
        os.unlink(out)
        os.rename(tmp, out)
    else:
        os.replace(tmp, out)


def _remove(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            os.unlink(path)


@contextlib.contextmanager
def _signals_raise():
    """Turn SIGTERM/SIGHUP into an exception, so cleanup runs (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, _frame):
        raise Terminated(signum)

    saved = {}
    for sig in (signal.SIGTERM, signal.SIGHUP):
        saved[sig] = signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, h in saved.items():
            signal.signal(sig, h)
