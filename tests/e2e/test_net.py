"""Networking, differential like the rest of the suite (loopback
only; every loop in the samples is bounded in count and time).

- the net_* samples (`lxpack-suite: net`), every variant: TCP (threads, fork,
  options, non-blocking connect, flags), UDP, IPv6, Unix sockets (SCM_RIGHTS,
  abstract names, also with the macOS way of emulating abstract names forced
  by LXPACK_ABSTRACT=emulate), names and interfaces (getaddrinfo, getifaddrs,
  netlink);
- `python3 -m http.server` under lxpack fetched by a native client: every
  body byte-identical to what the same server run natively serves;
- python's asyncio: a loopback server with ten clients, a sleep and a
  subprocess, in one program;
- python's view of names and interfaces (getaddrinfo, if_nameindex).
"""
import os
import random
import shutil
import subprocess
import time
import urllib.error
import urllib.request

import pytest

import harness
from test_samples import run_sample_case

SAMPLES = [s for s in harness.discover_samples() if s.run and s.suite == "net" and s.name.startswith("net_")]
PARAMS = [pytest.param(s, c, id="%s-%s" % (s.name, c.id)) for s in SAMPLES for c in s.cases]


@pytest.mark.parametrize("sample,case", PARAMS)
def test_sample(sample, case, variant, backend, sample_builds, workdir):
    run_sample_case(sample, case, variant, backend, sample_builds, workdir)


@pytest.mark.parametrize("variant_name", ["dyn", "musl-static"])
def test_unix_abstract_emulated(variant_name, backend, sample_builds, workdir):
    """Abstract names the way a macOS host serves them (private socket files
    with a lock), forced on this host."""
    why = harness.variant_unavailable(variant_name)
    if why:
        pytest.skip(why)
    exe = sample_builds.get("net_unix", variant_name)
    env = harness.fixed_env(workdir, LXPACK_ABSTRACT="emulate")
    native, lx = harness.run_pair([str(exe)], backend, workdir, env=env)
    assert native.status == 0, native.stdout.decode(errors="replace")[-3000:]
    harness.assert_same(native, lx)


# ---------------------------------------------------------------- python programs

def _python():
    exe = shutil.which("python3", path=harness.FIXED_PATH)
    if exe is None:
        pytest.skip("python3 is not installed")
    return exe


def _site(wd):
    rnd = random.Random(6)
    (wd / "site" / "sub").mkdir(parents=True)
    (wd / "site" / "blob.bin").write_bytes(bytes(rnd.getrandbits(8) for _ in range(300000)))
    (wd / "site" / "index.txt").write_text("hello from the loopback\n" * 100)
    (wd / "site" / "sub" / "a.txt").write_text("a file in a sub-directory\n")
    (wd / "site" / "sub" / "page.html").write_text("<html><body>page</body></html>\n")


PATHS = ["/", "/blob.bin", "/index.txt", "/sub/", "/sub/a.txt", "/sub/page.html", "/missing", "/sub"]


def _fetch_all(port):
    """(status, content type, body) of every path, fetched natively."""
    out = []
    opener = urllib.request.build_opener(urllib.request.HTTPRedirectHandler())
    for p in PATHS:
        url = "http://127.0.0.1:%d%s" % (port, p)
        try:
            with opener.open(url, timeout=30) as r:
                out.append((p, r.status, r.headers.get("Content-Type"), r.read()))
        except urllib.error.HTTPError as e:
            out.append((p, e.code, e.headers.get("Content-Type"), e.read()))
    return out


def _serve(cmd, wd, env):
    """Start an http.server, return (process, port) once it listens."""
    p = subprocess.Popen(cmd, cwd=str(wd), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         start_new_session=True)
    deadline = time.monotonic() + harness.lx_timeout()
    line = b""
    while time.monotonic() < deadline:
        line = p.stdout.readline()
        if b"port" in line or not line:
            break
    try:
        port = int(line.split(b"port ")[1].split()[0])
    except (IndexError, ValueError):
        _stop(p)
        raise AssertionError("the server did not start: %r\nstderr: %s" % (line, p.stderr.read()[-2000:]))
    return p, port


def _stop(p):
    try:
        os.killpg(p.pid, 15)
    except OSError:
        pass
    try:
        p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, 9)
        p.wait()


def test_http_server(backend, workdir):
    py = _python()
    _site(workdir)
    env = harness.fixed_env(workdir)
    argv = [py, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", "site"]
    results = {}
    for which in ("native", "lxpack"):
        cmd = argv if which == "native" else harness.lxpack_command(argv, backend)
        p, port = _serve(cmd, workdir, env)
        try:
            results[which] = _fetch_all(port)
        finally:
            _stop(p)
    native, lx = results["native"], results["lxpack"]
    blob = (workdir / "site" / "blob.bin").read_bytes()
    assert dict((p, b) for p, _s, _c, b in native)["/blob.bin"] == blob
    for a, b in zip(native, lx):
        assert a[:3] == b[:3], "%s: native %s, lxpack %s" % (a[0], a[:3], b[:3])
        assert a[3] == b[3], "%s: the bodies differ (%d vs %d bytes)" % (a[0], len(a[3]), len(b[3]))


ASYNC = r"""
import asyncio

async def handle(r, w):
    while True:
        line = await r.readline()
        if not line:
            break
        w.write(line.upper())
        await w.drain()
    w.close()

async def main():
    srv = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = srv.sockets[0].getsockname()[1]

    async def client(i):
        r, w = await asyncio.open_connection("127.0.0.1", port)
        out = []
        for k in range(5):
            w.write(b"client %d line %d\n" % (i, k))
            await w.drain()
            out.append(await asyncio.wait_for(r.readline(), 30))
        w.close()
        await w.wait_closed()
        return out

    res = await asyncio.gather(*(client(i) for i in range(10)))
    srv.close()
    await srv.wait_closed()
    print("replies:", sum(len(x) for x in res), res[3][2].decode().strip(), res[9][4].decode().strip())
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    await asyncio.sleep(0.05)
    print("slept enough:", loop.time() - t0 >= 0.05)
    proc = await asyncio.create_subprocess_exec("echo", "from a subprocess", stdout=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate()
    print(out.decode().strip(), proc.returncode)
    print("selector:", type(asyncio.get_running_loop()._selector).__name__)

asyncio.run(main())
"""


def test_asyncio(backend, workdir):
    py = _python()

    def setup(wd):
        (wd / "aio.py").write_text(ASYNC)
    native, lx = harness.run_pair([py, "aio.py"], backend, workdir, setup=setup)
    assert native.status == 0, native.stderr.decode(errors="replace")
    harness.assert_same(native, lx)


NAMES = r"""
import socket
for host, port, fam in (("localhost", 80, 0), ("127.0.0.1", "http", socket.AF_INET), ("::1", 22, 0)):
    try:
        res = socket.getaddrinfo(host, port, fam, socket.SOCK_STREAM)
        print(host, sorted((f.name, a[0], a[1]) for f, _t, _p, _c, a in res))
    except socket.gaierror as e:
        print(host, "gaierror", e.errno)
print("AI_ADDRCONFIG:", sorted(set(a[0] for *_, a in socket.getaddrinfo("localhost", 1, 0, 0, 0,
                                                                        socket.AI_ADDRCONFIG))))
names = socket.if_nameindex()
print("interfaces:", sorted(n for _i, n in names))
print("lo index:", socket.if_nametoindex("lo"), socket.if_indextoname(socket.if_nametoindex("lo")))
print("gethostbyname:", socket.gethostbyname("localhost"))
print("getservbyname:", socket.getservbyname("https", "tcp"))
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.bind(("::1", 0))
print("v6 bound:", s.getsockname()[0])
"""


def test_python_names(backend, workdir):
    py = _python()
    native, lx = harness.run_pair([py, "-c", NAMES], backend, workdir)
    assert native.status == 0, native.stderr.decode(errors="replace")
    harness.assert_same(native, lx)
