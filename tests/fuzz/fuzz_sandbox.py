"""Running one fuzz program confined: unprivileged, in a private PID namespace, time-bounded.

Owns: the confinement of every sysfuzz run (native or under lxpack). A run is

    unshare --pid --fork --kill-child --mount --mount-proc -- sh -c '...'

so the program and everything it starts live in a fresh PID namespace (a
random kill can reach nothing outside it, and killing `unshare` on timeout
kills the whole namespace), with its own /proc. Inside, `sh` (PID 1 of the
namespace, so the program is not init and signals behave as usual) drops to
an unprivileged user with `setpriv` (no groups, no capabilities, no new
privileges) and runs the command in a scratch directory that user owns.

/dev/kvm is root-only on this machine; for the kvm backend the namespace's
private mount table gets a copy of the device node owned by the unprivileged
user (a tmpfs under the scratch base, bind-mounted over /dev/kvm), so the
host's /dev/kvm is never changed.

Likewise a path the unprivileged user cannot reach but must run (the Python
interpreter of the venv lives under /root/.pyenv here, and /root is 0700) is
re-exposed only in the namespace: the needed child of the closed directory is
bind-mounted aside, a tmpfs (0755) covers the closed directory, and the child
is bound back into it. The rest of that directory stays hidden.

Needs root to set up (unshare, setpriv); `available()` says why not.
"""
import os
import shlex
import shutil
import signal
import subprocess
import time

NOBODY_UID = 65534
NOBODY_GID = 65534


class RunResult(object):
    """What one confined run produced."""

    def __init__(self, stdout, stderr, status, timed_out, seconds):
        self.stdout = stdout          # text
        self.stderr = stderr          # text
        self.status = status          # exit status; 128+N for a death by signal N; None on timeout
        self.timed_out = timed_out
        self.seconds = seconds

    @property
    def signal(self):
        if self.status is not None and 128 < self.status < 128 + 65:
            return self.status - 128
        return None


def available():
    """None when confined runs are possible here, else the reason."""
    if os.geteuid() != 0:
        return "needs root to create PID namespaces and drop to an unprivileged user"
    for tool in ("unshare", "setpriv", "mount", "mknod"):
        if not shutil.which(tool):
            return "%s is not installed" % tool
    return None


def _kvm_node_script(base):
    """Shell lines giving the unprivileged user its own /dev/kvm in this mount namespace."""
    if not os.path.exists("/dev/kvm"):
        return ""
    st = os.stat("/dev/kvm")
    node = os.path.join(base, "dev", "kvm")
    return ("mount -t tmpfs -o size=64k,mode=755 none {dev} && "
            "mknod -m 600 {node} c {maj} {min} && chown {uid} {node} && "
            "mount --bind {node} /dev/kvm && ").format(
                dev=shlex.quote(os.path.join(base, "dev")), node=shlex.quote(node),
                maj=os.major(st.st_rdev), min=os.minor(st.st_rdev), uid=NOBODY_UID)


def _closed_ancestors(paths):
    """{closed dir: set of children} for each path whose ancestor others cannot traverse."""
    out = {}
    for path in paths:
        path = os.path.realpath(path)
        parts = path.strip("/").split("/")
        for i in range(len(parts) - 1):
            d = "/" + "/".join(parts[:i])
            if not os.stat(d).st_mode & 0o001:
                out.setdefault(d, set()).add(parts[i])
                break
    return out


def _expose_script(base, paths):
    """Shell lines making `paths` reachable for the unprivileged user in this mount namespace."""
    lines = []
    n = 0
    for d, children in sorted(_closed_ancestors(paths).items()):
        staged = []
        for c in sorted(children):
            n += 1
            stage = os.path.join(base, "stage", str(n))
            lines.append("mkdir -p %s && mount --bind %s %s"
                         % (shlex.quote(stage), shlex.quote(os.path.join(d, c)), shlex.quote(stage)))
            staged.append((c, stage))
        lines.append("mount -t tmpfs -o size=64k,mode=755 none %s" % shlex.quote(d))
        for c, stage in staged:
            tgt = os.path.join(d, c)
            lines.append("mkdir -p %s && mount --bind %s %s" % (shlex.quote(tgt), shlex.quote(stage), shlex.quote(tgt)))
    return "".join(l + " && " for l in lines)


def make_scratch(base, name):
    """A fresh, empty scratch directory under `base` owned by the unprivileged user."""
    path = os.path.join(base, "w", name)
    if os.path.exists(path):
        shutil.rmtree(path)
    os.makedirs(path)
    os.chown(path, NOBODY_UID, NOBODY_GID)
    return path


def prepare_base(base):
    """Create the scratch base: world-readable, with a mount point for the kvm node."""
    os.makedirs(os.path.join(base, "w"), exist_ok=True)
    os.makedirs(os.path.join(base, "dev"), exist_ok=True)
    os.chmod(base, 0o755)
    os.chmod(os.path.join(base, "w"), 0o755)


def run_confined(argv, cwd, base, timeout, env=None, kvm=False, expose=()):
    """Run argv in cwd as the unprivileged user inside a private PID namespace.

    On timeout the namespace is killed (SIGKILL to unshare, whose child is
    killed with it by --kill-child; PID 1's death ends every process in it).
    """
    env = dict(env or {})
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    env.setdefault("HOME", cwd)
    env.setdefault("LANG", "C")
    envargs = " ".join(shlex.quote("%s=%s" % kv) for kv in sorted(env.items()))
    inner = ("{expose}{kvm}cd {cwd} && setpriv --reuid={uid} --regid={gid} --clear-groups "
             "--no-new-privs --inh-caps=-all --bounding-set=-all "
             "env -i {env} {cmd}; exit $?").format(
                 expose=_expose_script(base, expose),
                 kvm=_kvm_node_script(base) if kvm else "", cwd=shlex.quote(cwd),
                 uid=NOBODY_UID, gid=NOBODY_GID, env=envargs,
                 cmd=" ".join(shlex.quote(a) for a in argv))
    cmd = ["unshare", "--pid", "--fork", "--kill-child", "--mount", "--mount-proc",
           "--", "sh", "-c", inner]
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, close_fds=True, start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
        timed_out = False
        status = p.returncode
    except subprocess.TimeoutExpired:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, err = p.communicate()
        timed_out = True
        status = None
    if status is not None and status < 0:   # unshare itself died by a signal
        status = 128 - status
    return RunResult(out.decode("utf-8", "replace"), err.decode("utf-8", "replace"),
                     status, timed_out, time.monotonic() - t0)
