"""The benchmark workloads and how to build their inputs.

Two kinds:
- "op" workloads measure a loop of N operations.  The C ones (bench/workloads/
  *.c) time their own loop and print `BENCH ops=.. ns=..` on stderr, so the
  per-operation time excludes start-up; the `sh` loop is timed from outside
  (wall time / iterations).  N may be lowered for a slow runner (see run.py:
  a short pilot run picks N so one run takes about `target` seconds), and
  results are compared as time per operation.
- "program" workloads run a fixed job (hello world, gcc -O2 -c, python3,
  tar czf, sqlite3) and are compared by wall time.

Every run's stdout/stderr/exit status (and named output files) are checked
against a native run of the same command.
"""
import dataclasses
import hashlib
import os
import random
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

from .harness import REPO

BENCH = REPO / "bench"
SRC = BENCH / "workloads"
INPUTS = BENCH / "inputs"
CFLAGS = ["-O2", "-Wall"]


@dataclasses.dataclass
class Ctx:
    bins: Path       # compiled workloads
    data: Path       # generated inputs (tar tree, sql script)


@dataclasses.dataclass
class Workload:
    name: str
    title: str
    kind: str                              # "op" or "program"
    argv: Callable[[Ctx, int], List[str]]  # (ctx, n) -> argv; n ignored for programs
    n_full: int = 1                        # issue-specified count (always used natively)
    n_min: int = 1
    unit: str = ""                         # "us/call" ...
    timing: str = "internal"               # "internal" (BENCH line) or "wall"
    ops_per_n: int = 1                     # ops = n * ops_per_n for wall-timed op workloads
    outputs: List[str] = dataclasses.field(default_factory=list)  # files whose bytes must match native
    needs: List[str] = dataclasses.field(default_factory=list)    # host commands required
    quick: bool = False                    # part of `make bench-quick`
    timeout: float = 120.0
    rate: Optional[Tuple[str, float]] = None  # (unit, amount per op): also report amount/second, e.g. ("MB/s", 0.065536)
    setup: Optional[Callable[[], Optional[str]]] = None  # installs what it needs; a reason to skip, or None
    # A host-side driver (make) that runs natively and puts the runner in a
    # tool it starts: (ctx, runner prefix) -> argv; argv above is then unused.
    host_side: Optional[Callable[[Ctx, List[str]], List[str]]] = None

    def command(self, ctx: "Ctx", n: int, prefix: List[str]) -> List[str]:
        if self.host_side is not None:
            return self.host_side(ctx, list(prefix))
        return list(prefix) + self.argv(ctx, n)


def _bin(name):
    return lambda ctx, n: [str(ctx.bins / name), str(n)]


def _sysc(mode):
    return lambda ctx, n: [str(ctx.bins / "sysc"), str(n), mode]


def _which(prog):
    return shutil.which(prog, path="/usr/local/bin:/usr/bin:/bin") or "/usr/bin/" + prog


# OpenJDK 17 from the distribution (Debian's openjdk-17-jre-headless).
JDK = Path("/usr/lib/jvm/java-17-openjdk-amd64")
JAVA = JDK / "bin" / "java"
JAVA_PROG = "JavaThreads"


def _java_setup() -> Optional[str]:
    from .harness import ensure_java
    return ensure_java(JAVA, "openjdk-17-jre-headless")


def _java_threads(ctx, n):
    """The compiled class when javac was there at build time, else the
    source run as a single-file program (the JVM compiles it in memory)."""
    classes = ctx.bins / "java"
    if (classes / (JAVA_PROG + ".class")).exists():
        return [str(JAVA), "-cp", str(classes), JAVA_PROG]
    return [str(JAVA), str(INPUTS / (JAVA_PROG + ".java"))]


SH_LOOP = ('i=0; t=0; while [ "$i" -lt "$1" ]; do '
           'c=$(echo "$i" | tr 0-9 a-j | wc -c); t=$((t + c)); i=$((i + 1)); '
           'done; echo "iterations=$i chars=$t"')


MAKE40_FILES = 40


def _make40(ctx: Ctx, prefix: List[str]) -> List[str]:
    """make -j2 of 40 small C files, natively; CC is the Linux gcc under the
    runner (a wrapper script per runner prefix, so make's shell sees one
    word): the host-driven build the product is for."""
    gcc = _which("gcc")
    cc = gcc
    if prefix:
        key = hashlib.sha256("\0".join(prefix).encode()).hexdigest()[:12]
        cc = str(ctx.data / ("cc-" + key))
        if not os.path.exists(cc):
            tmp = cc + ".%d" % os.getpid()
            with open(tmp, "w") as f:
                f.write("#!/bin/sh\nexec %s %s \"$@\"\n" % (" ".join(shlex.quote(a) for a in prefix),
                                                            shlex.quote(gcc)))
            os.chmod(tmp, 0o755)
            os.replace(tmp, cc)
    return [_which("make"), "-s", "-j2", "-f", str(ctx.data / "make40" / "Makefile"),
            "SRC=" + str(ctx.data / "make40"), "CC=" + cc]


WORKLOADS: List[Workload] = [
    Workload("cpu_int", "CPU-bound integer loop", "op", _bin("cpu_int"), 50_000_000, 100_000, "ns/iter", quick=True),
    Workload("cpu_float", "floating-point loop", "op", _bin("cpu_float"), 20_000_000, 100_000, "ns/iter"),
    Workload("memcpy", "memcpy 64 KiB blocks", "op", _bin("memcpy"), 100_000, 200, "us/copy"),
    Workload("getppid", "getppid x 200,000", "op", _sysc("getppid"), 200_000, 1000, "us/call", quick=True),
    Workload("getpid", "getpid x 2,000,000", "op", _sysc("getpid"), 2_000_000, 1000, "us/call", quick=True),
    Workload("clock_gettime", "clock_gettime x 1,000,000", "op", _sysc("clock_gettime"), 1_000_000, 1000,
             "us/call", quick=True),
    Workload("fileio", "100,000 64-byte writes then reads", "op", _bin("fileio"), 100_000, 500, "us/op", quick=True),
    Workload("files", "create/stat/list/delete 2,000 files", "op", _bin("files"), 2_000, 50, "us/file"),
    Workload("mmap", "mmap/munmap 64 KiB x 20,000", "op", _bin("mmap"), 20_000, 200, "us/pair"),
    Workload("forkexec", "fork+exec+wait /bin/true x 200", "op", _bin("forkexec"), 200, 3, "ms/proc", quick=True),
    Workload("threads", "4 threads, mutex counter", "op", _bin("threads"), 500_000, 1000, "us/lock", quick=True),
    Workload("tcp_rr", "loopback TCP 64-byte round trips x 10,000", "op", _bin("tcp"), 10_000, 100, "us/rt",
             quick=True),
    Workload("tcp_tput", "loopback TCP throughput, 256 MiB in 64 KiB writes", "op", _bin("tcp_tput"), 4096, 16,
             "us/64KiB", rate=("MB/s", 65536 / 1e6), quick=True),
    Workload("epoll100", "epoll ET echo server, 100 clients x 1,000 exchanges", "op", _bin("epoll100"), 100_000,
             100, "us/req", rate=("req/s", 1.0)),
    Workload("sh_pipes", "sh: 200-iteration loop with pipes", "op",
             lambda ctx, n: ["/bin/sh", "-c", SH_LOOP, "sh", str(n)], 200, 3, "ms/iter", timing="wall"),
    Workload("hello", "hello-world start-up (dynamic)", "program", _bin("hello"), quick=True),
    Workload("hello_static", "hello-world start-up (static)", "program", _bin("hello_static")),
    Workload("gcc", "gcc -O2 -c medium.c (2,457 lines)", "program",
             lambda ctx, n: [_which("gcc"), "-O2", "-c", str(INPUTS / "medium.c"), "-o", "medium.o"],
             outputs=["medium.o"], needs=["gcc"], timeout=900),   # unicorn on a loaded 2-core VM: > 300 s
    Workload("make40", "host make -j2: gcc -O2 -c of %d small C files" % MAKE40_FILES, "program",
             lambda ctx, n: [], outputs=["f%02d.o" % i for i in range(MAKE40_FILES)], needs=["gcc", "make"],
             timeout=600, host_side=_make40),
    Workload("python3", "python3 pybench.py", "program",
             lambda ctx, n: [_which("python3"), str(INPUTS / "pybench.py"), "2"], needs=["python3"], quick=True),
    Workload("tar_czf", "tar czf of a 4 MB tree", "program",
             lambda ctx, n: [_which("tar"), "--sort=name", "--mtime=@0", "--owner=0", "--group=0",
                             "--numeric-owner", "-czf", "tree.tgz", "-C", str(ctx.data / "tree"), "."],
             outputs=["tree.tgz"], needs=["tar", "gzip"], timeout=240, quick=True),
    Workload("sqlite3", "sqlite3: insert 10,000 rows", "program",
             lambda ctx, n: [_which("sqlite3"), "bench.db", ".read %s" % (ctx.data / "inserts.sql")],
             needs=["sqlite3"], timeout=240, quick=True),
    Workload("java_version", "java -version (OpenJDK 17)", "program", lambda ctx, n: [str(JAVA), "-version"],
             setup=_java_setup, timeout=600),
    Workload("java_threads", "Java: 4 threads x 300 rounds of allocation (GC pressure)", "program",
             _java_threads, setup=_java_setup, timeout=300),   # bounded: did not finish on unicorn before
]

# Built from bench/workloads/<src>.c (dynamic unless noted).
BUILDS = {
    "cpu_int": ("cpu_int.c", []), "cpu_float": ("cpu_float.c", ["-lm"]), "memcpy": ("memcpy.c", []),
    "sysc": ("sysc.c", []), "fileio": ("fileio.c", []), "files": ("files.c", []), "mmap": ("mmap.c", []),
    "forkexec": ("forkexec.c", []), "threads": ("threads.c", ["-pthread"]), "tcp": ("tcp.c", []),
    "tcp_tput": ("tcp_tput.c", []), "epoll100": ("epoll100.c", []),
    "hello": ("hello.c", []), "hello_static": ("hello.c", ["-static"]),
}


def _gcc_version() -> str:
    try:
        return subprocess.run(["gcc", "-dumpfullversion"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "none"


def cache_root() -> Path:
    return REPO / "out" / "bench-cache"


def build(log=print) -> Ctx:
    """Compile the workloads once (keyed by sources, flags and gcc version)
    and generate the data inputs; returns where they are."""
    h = hashlib.sha256()
    for p in sorted(SRC.glob("*")) + [INPUTS / (JAVA_PROG + ".java"), Path(__file__)]:
        h.update(p.name.encode() + b"\0" + p.read_bytes())
    h.update(_gcc_version().encode() + " ".join(CFLAGS).encode())
    root = cache_root() / h.hexdigest()[:16]
    bins, data = root / "bin", root / "data"
    stamp = root / ".complete"
    ctx = Ctx(bins, data)
    if stamp.exists():
        return ctx
    log("bench: building workloads into %s" % root)
    shutil.rmtree(root, ignore_errors=True)
    bins.mkdir(parents=True)
    data.mkdir(parents=True)
    for out, (src, extra) in BUILDS.items():
        cmd = ["gcc", *CFLAGS, "-o", str(bins / out), str(SRC / src), *extra]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError("building %s failed:\n%s" % (out, r.stderr))
    _make_tree(data / "tree")
    _make_sql(data / "inserts.sql")
    _make_c40(data / "make40")
    _build_java(bins / "java", log)
    stamp.write_text("ok\n")
    return ctx


def _build_java(out: Path, log) -> None:
    """Compile the Java workload when the JDK's javac is there (else it runs
    from source: see _java_threads)."""
    javac = JDK / "bin" / "javac"
    if not javac.exists():
        log("bench: %s missing: java_threads runs from source" % javac)
        return
    out.mkdir(parents=True, exist_ok=True)
    r = subprocess.run([str(javac), "-d", str(out), str(INPUTS / (JAVA_PROG + ".java"))],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("building %s failed:\n%s" % (JAVA_PROG, r.stderr))


def _make_tree(root: Path) -> None:
    """A deterministic ~4 MB tree: text-like files (compressible) and some
    pseudo-random binary ones, fixed mtimes and modes."""
    rnd = random.Random(7)
    words = ["alpha", "beta", "gamma", "delta", "kernel", "syscall", "vector", "page", "table", "signal",
             "thread", "futex", "socket", "buffer", "packet", "memory", "python", "compile", "linker", "bundle"]
    for d in range(12):
        sub = root / ("dir%02d" % d) / ("sub%d" % (d % 3))
        sub.mkdir(parents=True, exist_ok=True)
        for f in range(25):
            p = sub / ("file%03d.%s" % (f, "bin" if f % 5 == 0 else "txt"))
            if f % 5 == 0:
                p.write_bytes(bytes(rnd.getrandbits(8) for _ in range(4096 + 97 * f)))
            else:
                lines = [" ".join(rnd.choice(words) for _ in range(12)) for _ in range(150 + 7 * f)]
                p.write_text("\n".join(lines) + "\n")
    for p in sorted(root.rglob("*"), reverse=True):
        os.utime(p, (1_600_000_000, 1_600_000_000))


def _make_sql(path: Path) -> None:
    rnd = random.Random(11)
    lines = ["PRAGMA journal_mode=DELETE;",
             "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT NOT NULL, v REAL, k INTEGER);",
             "CREATE INDEX t_k ON t(k);", "BEGIN;"]
    for i in range(10_000):
        lines.append("INSERT INTO t(name, v, k) VALUES('name-%d-%x', %d.%02d, %d);"
                     % (i, rnd.getrandbits(24), rnd.randint(0, 9999), rnd.randint(0, 99), rnd.randint(0, 500)))
    lines += ["COMMIT;", "SELECT count(*), sum(k), printf('%.2f', sum(v)), max(name) FROM t;",
              "SELECT k, count(*) FROM t GROUP BY k ORDER BY count(*) DESC, k LIMIT 3;"]
    path.write_text("\n".join(lines) + "\n")


def _make_c40(d: Path) -> None:
    """MAKE40_FILES small, different C files (a few functions each, some
    headers) and the Makefile that compiles them into the current directory."""
    d.mkdir(parents=True, exist_ok=True)
    rnd = random.Random(40)
    for i in range(MAKE40_FILES):
        body = ["#include <stdio.h>", "#include <string.h>", "#include <stdlib.h>", ""]
        for j in range(6):
            a, b = rnd.randint(2, 97), rnd.randint(3, 31)
            body += ["int f%02d_%d(const char *s, int n) {" % (i, j),
                     "    int h = %d;" % a,
                     "    for (int k = 0; k < n && s[k]; k++) h = h * %d + s[k] %% %d;" % (b, a),
                     "    char buf[64]; snprintf(buf, sizeof buf, \"%%d-%d\", h);" % j,
                     "    return (int)strlen(buf) + h %% %d;" % b, "}", ""]
        body += ["int f%02d(void) { return f%02d_0(\"x\", 1) + f%02d_5(getenv(\"HOME\") ? \"h\" : \"\", 1); }"
                 % (i, i, i), ""]
        (d / ("f%02d.c" % i)).write_text("\n".join(body))
    objs = " ".join("f%02d.o" % i for i in range(MAKE40_FILES))
    (d / "Makefile").write_text("OBJS = %s\nall: $(OBJS)\n%%.o: $(SRC)/%%.c\n\t$(CC) -O2 -c $< -o $@\n" % objs)


def by_name(names) -> List[Workload]:
    table = {w.name: w for w in WORKLOADS}
    missing = [n for n in names if n not in table]
    if missing:
        raise SystemExit("unknown workload(s): %s (known: %s)" % (", ".join(missing), ", ".join(table)))
    return [table[n] for n in names]
