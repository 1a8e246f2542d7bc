"""Processes, threads, full signals and host interplay, differential
like the rest of the suite. Everything here is marked `processes`
(select with `-m processes`, leave out with `-m "not processes"`).

- the processes samples (`lxpack-suite: processes` in their header), every variant;
- real multi-process programs: bash scripts (pipelines, subshells, command
  substitution, here-documents, traps, background jobs), make -j2, gcc -O2 on a
  multi-file program (the binary it builds then runs natively), tar czf/xzf,
  python3 with threads, subprocess, multiprocessing and signal.alarm, git;
- a host program (this test) driving bash under lxpack through pipes and
  signals, compared with the same done to the native bash.
"""
import os
import shutil
import signal

import pytest

import harness
from test_samples import run_sample_case

pytestmark = pytest.mark.processes

SAMPLES = [s for s in harness.discover_samples() if s.run and s.suite == "processes"]
PARAMS = [pytest.param(s, c, id="%s-%s" % (s.name, c.id)) for s in SAMPLES for c in s.cases]


@pytest.mark.parametrize("sample,case", PARAMS)
def test_sample(sample, case, variant, backend, sample_builds, workdir):
    timeout = None
    if sample.name == "semaphore" and backend == "unicorn":
        # A known gap (tests/known_failures.txt) that deadlocks when it
        # fails; it takes ~4 s when it passes.
        timeout = 20
    run_sample_case(sample, case, variant, backend, sample_builds, workdir, timeout=timeout)


# ---------------------------------------------------------------- programs

def _which(prog):
    exe = shutil.which(prog, path=harness.FIXED_PATH)
    if exe is None:
        pytest.skip("%s is not installed" % prog)
    return exe


def _write(wd, files):
    for name, text in files.items():
        p = wd / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
        if text.startswith("#!"):
            os.chmod(p, 0o755)


BASH_SCRIPTS = {
    "pipelines": r"""
seq 1 2000 | grep 7 | sort -rn | head -5
seq 1 100 | tr '\n' ' ' | wc -c
echo "statuses: $(false | true | (exit 3); echo "${PIPESTATUS[@]}")"
set -o pipefail; false | true; echo "pipefail: $?"
""",
    "subshells": r"""
x=$(echo hello | tr a-z A-Z)
echo "command substitution: $x"
(cd /; echo "subshell cwd: $(pwd)"); echo "cwd kept: $([ "$PWD" = "$HOME" ] && echo yes)"
(exit 42); echo "subshell status: $?"
y=outer; (y=inner; echo "inside: $y"); echo "outside: $y"
echo "nested: $(echo $(echo $(echo deep)))"
f() { local n=$1; [ "$n" -le 1 ] && { echo 1; return; }; echo $(( n * $(f $((n - 1))) )); }
echo "5! = $(f 5)"
""",
    "heredocs": r"""
cat <<EOF
here-document with $HOME expanded: $([ -n "$HOME" ] && echo yes)
  indentation kept
EOF
cat <<'EOF'
quoted: $HOME not expanded
EOF
while read -r a b; do echo "read: $b-$a"; done <<EOF
1 one
2 two
EOF
tr a-z A-Z <<< "here-string"
""",
    "traps": r"""
trap 'echo "EXIT trap, status $?"' EXIT
trap 'echo "INT trap"; trap - INT' INT
kill -INT $$
echo "after INT"
trap 'echo "USR1 trap"' USR1
kill -USR1 $$
{ bash -c 'kill -SEGV $$'; echo "child killed by SEGV: $?"; } 2>/dev/null  # bash's report has the pid
bash -c 'exit 7'; echo "child exit: $?"
exit 4
""",
    "background": r"""
(sleep 0.2; exit 3) & a=$!
(exit 5) & b=$!
wait $b; echo "b: $?"
wait $a; echo "a: $?"
for i in 1 2 3; do (sleep 0.0$i; echo "job $i" > job$i.txt) & done
wait; echo "all jobs done: $(cat job1.txt job2.txt job3.txt | tr '\n' ' ')"
sleep 5 & c=$!; kill -TERM $c; wait $c; echo "killed job: $?"
echo "jobs left: $(jobs -p | wc -l)"
""",
    "redirections": r"""
exec 3>out.txt; echo "to fd 3" >&3; exec 3>&-
cat out.txt
ls /nonexistent-path 2>&1 >/dev/null | sed 's/^.*: //'
{ echo one; echo two >&2; } 2>err.txt >std.txt; cat std.txt err.txt
echo appended >> out.txt; wc -l < out.txt
./script.sh arg1 "arg 2"; echo "script status: $?"
""",
}


def _bash_setup(name):
    def setup(wd):
        _write(wd, {"main.sh": BASH_SCRIPTS[name],
                    "script.sh": "#!/bin/bash\necho \"script: $# args, second is '$2'\"\nexit 6\n"})
    return setup


@pytest.mark.parametrize("name", list(BASH_SCRIPTS))
def test_bash(name, backend, workdir):
    argv = [_which("bash"), "main.sh"]
    native, lx = harness.run_pair(argv, backend, workdir, setup=_bash_setup(name))
    harness.assert_same(native, lx)


MAKE_PROJECT = {
    "Makefile": "CC = gcc\nCFLAGS = -O1 -g0\nOBJS = main.o a.o b.o c.o\n"
                "prog: $(OBJS)\n\t$(CC) -o $@ $(OBJS)\n"
                "%.o: %.c common.h\n\t$(CC) $(CFLAGS) -c -o $@ $<\n"
                "clean:\n\trm -f prog $(OBJS)\n",
    "common.h": "int fa(int); int fb(int); int fc(int);\n",
    "main.c": '#include <stdio.h>\n#include "common.h"\n'
              'int main(void) { printf("%d %d %d\\n", fa(3), fb(4), fc(5)); return fa(1) + fb(1) + fc(1); }\n',
    "a.c": '#include "common.h"\nint fa(int x) { return x * x; }\n',
    "b.c": '#include "common.h"\nint fb(int x) { return x + 40; }\n',
    "c.c": '#include "common.h"\nint fc(int x) { return fa(x) - fb(x); }\n',
}


def _sorted_lines(r):
    r.stdout = b"".join(sorted(r.stdout.splitlines(True)))
    r.stderr = b"".join(sorted(r.stderr.splitlines(True)))


def test_make_j2(backend, workdir):
    steps = [harness.Step([_which("make"), "-j2"]), harness.Step(["./prog"], host=True)]
    native, lx = harness.run_pair(steps, backend, workdir, setup=lambda wd: _write(wd, MAKE_PROJECT))
    # with -j2 the order in which jobs finish (and print) may differ
    _sorted_lines(native)
    _sorted_lines(lx)
    harness.assert_same(native, lx)


def test_gcc_multifile(backend, workdir):
    steps = [harness.Step([_which("gcc"), "-O2", "-g0", "-o", "prog", "main.c", "a.c", "b.c", "c.c"]),
             harness.Step(["./prog"], host=True)]
    native, lx = harness.run_pair(steps, backend, workdir, setup=lambda wd: _write(wd, MAKE_PROJECT))
    harness.assert_same(native, lx)


def _tree(wd):
    _write(wd, {"tree/a.txt": "alpha\n" * 100, "tree/sub/b.txt": "beta\n", "tree/sub/c.bin": "x" * 70000})
    for p in sorted(wd.rglob("*"), key=lambda p: -len(p.parts)):
        os.utime(p, (1_000_000_000, 1_000_000_000))


def test_tar_gzip_roundtrip(backend, workdir):
    tar = _which("tar")
    _which("gzip")
    steps = [harness.Step([tar, "--sort=name", "-czf", "out.tgz", "tree"]),
             harness.Step([_which("mkdir"), "x"]),
             harness.Step([tar, "-xzf", "out.tgz", "-C", "x"]),
             harness.Step([tar, "-tzvf", "out.tgz"])]
    native, lx = harness.run_pair(steps, backend, workdir, setup=_tree)
    harness.assert_same(native, lx)


PY_PROCESSES = r"""
import multiprocessing, os, signal, subprocess, sys, threading, time

def square(x):
    return x * x

if __name__ == "__main__":
    results = [0] * 4
    def work(i):
        results[i] = sum(j * i for j in range(20000))
    ts = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in ts: t.start()
    for t in ts: t.join()
    print("threads:", results)
    lock = threading.Lock(); count = [0]
    def inc():
        for _ in range(2000):
            with lock: count[0] += 1
    ts = [threading.Thread(target=inc) for _ in range(4)]
    for t in ts: t.start()
    for t in ts: t.join()
    print("locked count:", count[0])
    r = subprocess.run(["echo", "from", "a", "child"], capture_output=True, text=True)
    print("subprocess:", r.returncode, r.stdout.strip())
    r = subprocess.run([sys.executable, "-c", "import sys; sys.exit(9)"])
    print("child python exit:", r.returncode)
    r = subprocess.run(["sh", "-c", "kill -TERM $$"])
    print("child killed:", r.returncode)
    p = subprocess.Popen(["cat"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    out, _ = p.communicate(b"through a pipe\n" * 1000)
    print("pipe round trip:", len(out), p.returncode)
    with multiprocessing.get_context("fork").Pool(2) as pool:
        print("pool:", pool.map(square, range(10)))
    fired = []
    signal.signal(signal.SIGALRM, lambda s, f: fired.append(s))
    signal.alarm(1)
    t0 = time.monotonic()
    while not fired and time.monotonic() - t0 < 5:
        time.sleep(0.01)
    print("alarm fired:", fired == [signal.SIGALRM])
    sys.exit(2)
"""


def test_python_processes(backend, workdir):
    argv = [_which("python3"), "main.py"]
    native, lx = harness.run_pair(argv, backend, workdir, setup=lambda wd: _write(wd, {"main.py": PY_PROCESSES}))
    harness.assert_same(native, lx)


def test_git(backend, workdir):
    git = _which("git")
    env_extra = dict(GIT_AUTHOR_NAME="E2E", GIT_AUTHOR_EMAIL="e2e@example.com", GIT_AUTHOR_DATE="@1000000000 +0000",
                     GIT_COMMITTER_NAME="E2E", GIT_COMMITTER_EMAIL="e2e@example.com",
                     GIT_COMMITTER_DATE="@1000000000 +0000", GIT_CONFIG_NOSYSTEM="1")
    env = harness.fixed_env(workdir, **env_extra)
    steps = [harness.Step([git, "init", "-q", "-b", "main", "repo"]),
             harness.Step([git, "-C", "repo", "add", "."]),
             harness.Step([git, "-C", "repo", "commit", "-q", "-m", "first commit"]),
             harness.Step([git, "-C", "repo", "log", "--format=%H %an %ad %s", "--date=unix"]),
             harness.Step([git, "-C", "repo", "status", "--short"])]

    def setup(wd):
        _write(wd, {"repo/README": "hello\n", "repo/src/main.c": "int main(void) { return 0; }\n"})

    # the index caches inode numbers and ctimes; FETCH_HEAD-like files are not made here
    native, lx = harness.run_pair(steps, backend, workdir, setup=setup, env=env,
                                  ignore_files=r"^repo/\.git/index$")
    harness.assert_same(native, lx)


# ---------------------------------------------------------------- host drives guest

HOST_CASES = {
    "sigint-trap": (r"""trap 'echo "caught INT"; exit 3' INT
echo ready; read line; echo "got $line"; read line2; echo "not reached" """,
                    # bash runs the INT trap only when the signal cuts its read short
                    [("expect", b"ready\n"), ("send", b"hello\n"), ("expect", b"got hello\n"),
                     ("sleep", 0.3), ("signal", signal.SIGINT)]),
    "sigterm-default": ("echo ready; read line; echo \"got $line\"; read line2",
                        [("expect", b"ready\n"), ("send", b"x\n"), ("expect", b"got x\n"),
                         ("sleep", 0.3), ("signal", signal.SIGTERM)]),
    "pipe-filter": ("tr a-z A-Z; echo done",
                    [("send", b"abc" * 30000 + b"\nlast line\n"), ("close",), ("expect", b"done\n")]),
}


@pytest.mark.parametrize("case", list(HOST_CASES))
def test_host_drives_bash(case, backend, workdir):
    """A host program talks to bash through pipes and signals; lxpack-run bash
    must answer and end exactly like the native bash."""
    script, actions = HOST_CASES[case]
    argv = [_which("bash"), "-c", script]
    native = harness.converse(argv, workdir, actions)
    lx = harness.converse(argv, workdir, actions, backend=backend)
    harness.assert_same(native, lx)
