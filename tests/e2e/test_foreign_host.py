"""The foreign-host mode end to end: a packed bash, run as a bundle with
LXPACK_FOREIGN_HOST=1, sees its own files and only the host paths a Mac has;
checked independently against a private mount namespace that really hides
the Linux directories (the Linux view of the same bundle there must agree),
and a Mac's own programs (/usr/bin/env) run as host programs."""
import os
import shutil
import subprocess

import pytest
from bundletools import bundle_env, hidden, pack_dir

PROBES = [
    "/lib/x86_64-linux-gnu/libc.so.6",        # in the bundle (bash's closure, as ld.so found it)
    "/usr/share/zoneinfo/UTC", "/usr/include/stdio.h", "/usr/share/perl5",
    "/var/lib/dpkg/status", "/usr/share/misc/magic",
    "/etc/hosts", "/tmp", "/dev/null",
]
HIDDEN = ["/usr/share", "/usr/include", "/var/lib"]    # what the namespace hides for real
SCRIPT = ('for p in %s; do if test -e "$p"; then echo "yes $p"; else echo "no $p"; fi; done; '
          'env printf "env ran\\n"' % " ".join(PROBES))


@pytest.fixture(scope="module")
def bash_bundle(tmp_path_factory):
    bash = shutil.which("bash")
    if not bash:
        pytest.skip("no bash on this machine")
    out = tmp_path_factory.mktemp("foreign") / "Bash"
    # --no-auto-data: the probes expect /usr/share/zoneinfo hidden, which bash's
    # own data rules (it imports localtime) would otherwise pack.
    return pack_dir(bash, out, "--no-auto-data")


def _run(launcher, foreign, prefix=()):
    return subprocess.run(list(prefix) + [str(launcher), "-c", SCRIPT], capture_output=True, text=True,
                          env=bundle_env(foreign, LC_ALL="C"), timeout=300)


def test_foreign_host_sees_the_bundle_and_what_a_mac_has(bash_bundle):
    r = _run(bash_bundle, True)
    assert r.returncode == 0, r.stderr
    seen = dict(line.split(" ", 1)[::-1] for line in r.stdout.splitlines() if line[:3] in ("yes", "no "))
    want = {"/lib/x86_64-linux-gnu/libc.so.6": "yes", "/etc/hosts": "yes", "/tmp": "yes",
            "/dev/null": "yes"}
    for p in PROBES:
        assert seen[p] == want.get(p, "no"), (p, r.stdout)
    assert "env ran" in r.stdout


def test_linux_view_shows_the_build_machine(bash_bundle):
    """Without the mode, the overlay falls through to this machine's files:
    what the foreign-host mode exists to stop."""
    r = _run(bash_bundle, False)
    assert r.returncode == 0, r.stderr
    assert "yes /usr/include/stdio.h" in r.stdout or not os.path.exists("/usr/include/stdio.h")


def test_foreign_host_agrees_with_a_mount_namespace_that_hides_linux_dirs(bash_bundle):
    in_ns = _run(bash_bundle, False, hidden(HIDDEN))
    assert in_ns.returncode == 0, in_ns.stderr
    foreign = _run(bash_bundle, True)
    probed = [p for p in PROBES if any(p == d or p.startswith(d + "/") for d in HIDDEN)
              or not p.startswith(("/usr", "/var"))]
    lines = lambda out: [x for x in out.splitlines() if x.split(" ", 1)[-1] in probed or x == "env ran"]
    assert lines(foreign.stdout) == lines(in_ns.stdout)
