"""Real programs of this machine (coreutils, grep, sed, findutils,
python3, perl...), run natively and under `lxpack run` in a fixture tree with
fixed contents and mtimes; status, stdout, stderr and the files left behind
must be the same. Single-process programs only (test_processes.py has the rest).

A program that is not installed is skipped with that reason.
"""
import dataclasses
import os
import shutil
from pathlib import Path
from typing import Callable, List, Optional, Tuple

import pytest

import harness

FIXED_TIME = 1_000_000_000          # 2001-09-09 01:46:40 UTC
OLDER_TIME = 900_000_000


def make_tree(wd: Path) -> None:
    """The fixture tree: tree/ with text, csv, binary, empty, nested and linked
    entries, every mtime fixed (directories last, so they stay fixed)."""
    t = wd / "tree"
    (t / "sub" / "deeper").mkdir(parents=True)
    (t / "empty-dir").mkdir()
    (t / "a.txt").write_text("alpha\nbeta\ngamma\nalpha\ndelta\nbeta\nalpha\n")
    (t / "b.txt").write_text("".join("%d\n" % ((i * 37) % 101) for i in range(60)))
    (t / "data.csv").write_text("root:0:/bin/bash\ndaemon:1:/usr/sbin/nologin\nbin:2:/usr/sbin/nologin\n"
                                "sys:3:/usr/sbin/nologin\nalice:1000:/bin/zsh\nbob:1001:/bin/sh\n")
    (t / "empty").write_bytes(b"")
    (t / "bin.dat").write_bytes(bytes((i * 131 + (i >> 7)) & 0xFF for i in range(5000)))
    (t / "sub" / "c.txt").write_text("the quick brown fox\njumps over the lazy dog\nALPHA in caps\n")
    (t / "sub" / "deeper" / "d.md").write_text("# title\n\nsome *markdown* text with alpha\n")
    (t / "sub" / "x.sh").write_text("#!/bin/sh\necho hi\n")
    os.chmod(t / "sub" / "x.sh", 0o755)
    os.chmod(t / "data.csv", 0o600)
    os.symlink("a.txt", t / "link")
    os.symlink("sub/deeper", t / "dirlink")
    os.symlink("nowhere", t / "dangling")
    os.link(t / "b.txt", t / "b-hard.txt")
    paths = sorted((p for p in t.rglob("*")), key=lambda p: (-len(p.parts), str(p)))
    for p in paths:
        when = OLDER_TIME if p.name == "b.txt" else FIXED_TIME
        os.utime(p, (when, when), follow_symlinks=False)
    for p in (t, wd):
        os.utime(p, (FIXED_TIME, FIXED_TIME))


BIG_INPUT = "".join("line %05d %s\n" % ((i * 7919) % 10007, "xyz"[i % 3] * (i % 13)) for i in range(12000)).encode()


@dataclasses.dataclass
class Prog:
    id: str
    steps: List[List[str]]
    stdin: Optional[bytes] = None
    compare: Tuple[str, ...] = ("status", "stdout", "stderr", "files", "leftovers")
    check: Optional[Callable] = None    # extra assertion on (native, lx)
    marks: tuple = ()


def P(id, *argv, stdin=None, steps=None, compare=None, check=None):
    return Prog(id, steps or [list(argv)], stdin,
                compare or ("status", "stdout", "stderr", "files", "leftovers"), check)


def _df_same_header(native, lx):
    n, l = native.stdout.decode().splitlines(), lx.stdout.decode().splitlines()
    assert n and l and n[0] == l[0], "df header differs:\n native: %r\n lxpack: %r" % (n[:1], l[:1])
    assert len(l) >= 2 and l[1].split()[-1] == "/", "df did not report /: %r" % l


PY_COMPUTE = r"""
import hashlib, json, os, sys, zlib, math, re, collections
data = open('tree/a.txt', 'rb').read()
words = collections.Counter(data.split())
print(json.dumps(sorted(words.items(), key=lambda kv: (-kv[1], kv[0])), default=lambda b: b.decode()))
print(hashlib.sha256(data).hexdigest(), zlib.crc32(data), sum(i * i for i in range(100000)))
print(sorted(os.listdir('tree')))
st = os.stat('tree/b.txt'); print(st.st_size, st.st_mtime, oct(st.st_mode & 0o7777), st.st_nlink)
print(os.path.realpath('tree/link').endswith('tree/a.txt'), os.getcwd() == os.environ['HOME'])
print(round(math.pi ** 10, 6), re.sub(r'(a)(l)', r'\2\1', 'alpha'), sys.getdefaultencoding())
with open('py-out.txt', 'w') as f:
    f.write('\n'.join(str(i ** 3) for i in range(50)))
os.rename('py-out.txt', 'py-renamed.txt'); os.mkdir('py-dir'); os.rmdir('py-dir')
try:
    open('tree/missing')
except OSError as e:
    print('error', e.errno, e.strerror)
sys.exit(3)
"""

PERL = r"""
use strict; use warnings;
open(my $fh, '<', 'tree/data.csv') or die "open: $!";
my @rows = map { chomp; [split /:/] } <$fh>; close $fh;
printf "%-8s %5d %s\n", @$_ for sort { $a->[1] <=> $b->[1] } @rows;
my %h = map { $_ => length } qw(alpha beta gamma); print join(",", map {"$_=$h{$_}"} sort keys %h), "\n";
print join(" ", map { $_ * $_ } 1..12), "\n";
opendir(my $d, 'tree') or die; print join(" ", sort grep { !/^\./ } readdir $d), "\n"; closedir $d;
open(my $o, '>', 'perl-out.txt') or die; print $o "written by perl\n"; close $o;
print -s 'tree/bin.dat', " ", (-l 'tree/link' ? "symlink" : "no"), "\n";
open(my $m, '<', 'tree/missing') or print "open failed: $!\n";
exit 4;
"""

PROGRAMS = [
    P("ls-la", "ls", "-la", "--time-style=long-iso", "tree"),
    P("ls-laR", "ls", "-laR", "--time-style=long-iso", "tree"),
    P("ls-lL", "ls", "-lLs", "--time-style=+%s", "tree/link", "tree/b.txt", "tree/b-hard.txt", "tree/dirlink"),
    P("ls-missing", "ls", "-l", "tree/nope"),
    P("cat", "cat", "tree/a.txt", "tree/sub/c.txt"),
    P("cat-stdin-n", "cat", "-n", "-", stdin=b"one\ntwo\n\nthree\n"),
    P("cat-missing", "cat", "tree/a.txt", "tree/missing", "tree/sub"),
    P("cat-big-stdin", "cat", stdin=BIG_INPUT),
    P("sort", "sort", "tree/a.txt"),
    P("sort-nr", "sort", "-n", "-r", "tree/b.txt"),
    P("sort-key", "sort", "-t:", "-k2,2n", "tree/data.csv"),
    P("sort-big", "sort", "-k3", stdin=BIG_INPUT),
    P("uniq-c", "uniq", "-c", stdin=b"a\na\nb\nc\nc\nc\na\n"),
    P("wc", "wc", "tree/a.txt", "tree/b.txt", "tree/bin.dat"),
    P("wc-stdin", "wc", "-l", "-w", "-c", stdin=BIG_INPUT),
    P("head", "head", "-n", "3", "tree/a.txt", "tree/b.txt"),
    P("head-c", "head", "-c", "100", "tree/bin.dat"),
    P("tail", "tail", "-n", "2", "tree/a.txt"),
    P("tail-c-stdin", "tail", "-c", "50", stdin=BIG_INPUT),
    P("tr", "tr", "a-z", "A-Z", stdin=b"hello, world\n"),
    P("tr-d", "tr", "-d", "aeiou\\n", stdin=b"the quick brown fox\n"),
    P("cut", "cut", "-d:", "-f1,3", "tree/data.csv"),
    P("sha256sum", "sha256sum", "tree/a.txt", "tree/bin.dat", "tree/empty"),
    P("md5sum", "md5sum", "tree/a.txt", "tree/bin.dat"),
    P("cp-a", "cp", "-a", "tree", "copy"),
    P("cp-file", "cp", "tree/a.txt", "tree/sub/c.txt", "tree/empty-dir/"),
    P("mv", "mv", "tree/a.txt", "tree/sub/moved.txt"),
    P("mv-dir", "mv", "tree/sub", "tree/renamed-sub"),
    P("rm-r", "rm", "-r", "tree/sub", "tree/link"),
    P("rm-missing", "rm", "tree/nope"),
    P("mkdir-p", "mkdir", "-p", "x/y/z", "tree/sub/new/deep"),
    P("mkdir-exists", "mkdir", "tree/sub"),
    P("ln-s", "ln", "-s", "../a.txt", "tree/sub/ln"),
    P("ln-hard", "ln", "tree/a.txt", "tree/a-hard.txt"),
    P("readlink-f", "readlink", "-f", "tree/link", "tree/dirlink/d.md", "tree/dangling"),
    P("stat", "stat", "-c", "%n %s %F %a %h", "tree/a.txt", "tree/sub", "tree/link", "tree/data.csv",
      "tree/b-hard.txt", "tree/empty"),
    P("stat-L", "stat", "-L", "-c", "%n %s %F %Y", "tree/link", "tree/dirlink"),
    P("touch-d-stat", steps=[["touch", "-d", "2001-02-03 04:05:06", "tree/a.txt", "tree/new.txt"],
                             ["stat", "-c", "%n %s %Y %y", "tree/a.txt", "tree/new.txt"]]),
    P("touch-r", steps=[["touch", "-r", "tree/b.txt", "tree/a.txt"], ["stat", "-c", "%n %Y", "tree/a.txt"]]),
    P("chmod-stat", steps=[["chmod", "-R", "go-rwx", "tree/sub"], ["chmod", "4711", "tree/a.txt"],
                           ["stat", "-c", "%n %a %A", "tree/sub", "tree/sub/c.txt", "tree/a.txt"]]),
    P("date-epoch", "date", "-u", "-d", "@0"),
    P("date-format", "date", "-u", "-d", "@1000000000", "+%Y-%m-%d %H:%M:%S %A %j %s"),
    P("env", "env"),
    P("id", "id"),
    P("id-un", "id", "-un"),
    P("uname-a", "uname", "-a"),
    P("uname-sm", "uname", "-s", "-m"),
    P("seq", "seq", "1", "25"),
    P("seq-s", "seq", "-s", ",", "0", "7", "100"),
    P("grep-r", "grep", "-r", "alpha", "tree"),
    P("grep-rni", "grep", "-rni", "ALPHA", "tree/sub"),
    P("grep-c", "grep", "-c", "beta", "tree/a.txt"),
    P("grep-nomatch", "grep", "zebra", "tree/a.txt"),
    P("grep-E-stdin", "grep", "-E", "^line 0[0-9]{3}1 ", stdin=BIG_INPUT),
    P("sed", "sed", "-e", "s/alpha/ALPHA/g", "-e", "2d", "tree/a.txt"),
    P("sed-n", "sed", "-n", "2,4p;$=", "tree/b.txt"),
    P("sed-i", "sed", "-i", "s/beta/BETA/", "tree/a.txt"),
    P("find", "find", "tree", "-type", "f", "-name", "*.txt"),
    P("find-predicates", "find", "tree", "-mindepth", "1", "(", "-type", "l", "-o", "-empty", ")", "-printf",
      "%p %y %s\n"),
    P("find-size-perm", "find", "tree", "-type", "f", "-size", "+1k", "-o", "-perm", "-u+x", "-type", "f"),
    P("find-newer", "find", "tree", "-newer", "tree/b.txt", "-name", "*.txt"),
    P("find-maxdepth", "find", "tree", "-maxdepth", "1", "-printf", "%f %m %n\n"),
    P("du", "du", "-s", "--apparent-size", "tree"),
    P("du-ab", "du", "-a", "-b", "tree"),
    P("df", "df", "/", compare=("status", "stderr"), check=_df_same_header),
    P("python3", "python3", "-c", PY_COMPUTE),
    P("perl", "perl", "-e", PERL),
    P("tar-cf", steps=[["tar", "--sort=name", "--owner=0", "--group=0", "--numeric-owner", "-cf", "out.tar",
                        "tree"], ["tar", "-tvf", "out.tar"]]),
    P("tar-xf", steps=[["tar", "--sort=name", "-cf", "out.tar", "tree"], ["mkdir", "x"],
                       ["tar", "-xf", "out.tar", "-C", "x"]]),
    P("gzip-k", "gzip", "-k", "-n", "tree/a.txt", "tree/bin.dat"),
    P("gzip-d", steps=[["gzip", "-n", "tree/bin.dat"], ["gzip", "-d", "tree/bin.dat.gz"]]),
    P("od-dev-zero", "od", "-An", "-tx1", "-N", "16", "/dev/zero"),
    P("base64", "base64", "tree/bin.dat"),
    P("cmp-differ", "cmp", "tree/a.txt", "tree/b.txt"),
    P("diff", "diff", "-u", "tree/a.txt", "tree/sub/c.txt"),
    P("true", "true"),
    P("false", "false"),
    P("printf", "printf", "%s=%05d %x\\n", "a", "42", "255", "b", "7", "16"),
    P("nproc", "nproc"),
    P("getconf", "getconf", "PAGESIZE"),
    P("pwd", "pwd", "-P"),
    P("realpath", "realpath", "tree/dirlink/d.md", "tree/sub/../a.txt"),
    P("basename-dirname", steps=[["basename", "/a/b/c.txt", ".txt"], ["dirname", "/a/b/c.txt"]]),
    P("dd", "dd", "if=tree/bin.dat", "of=dd.out", "bs=100", "skip=3", "count=5", "status=none"),
    P("sleep", "sleep", "0.1"),
    P("split-paste-join", steps=[["split", "-l", "2", "tree/a.txt", "part-"], ["paste", "part-aa", "part-ab"],
                                 ["nl", "tree/a.txt"], ["fold", "-w", "3", "tree/sub/c.txt"]]),
]


def _resolve(argv):
    exe = shutil.which(argv[0], path=harness.FIXED_PATH)
    if exe is None:
        pytest.skip("%s is not installed" % argv[0])
    return [exe] + argv[1:]


@pytest.mark.parametrize("prog", [pytest.param(p, id=p.id) for p in PROGRAMS])
def test_real_program(prog, backend, workdir):
    steps = [harness.Step(_resolve(s), prog.stdin) for s in prog.steps]
    native, lx = harness.run_pair(steps, backend, workdir, setup=make_tree)
    assert not native.timed_out, "native run timed out"
    harness.assert_same(native, lx, compare=prog.compare)
    if prog.check:
        prog.check(native, lx)
