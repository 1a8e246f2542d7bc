"""Comparing sysfuzz traces: the native oracle against an lxpack run.

Owns: parsing trace lines, dropping calls whose native result is not
deterministic (two native runs disagree), classifying each lxpack run
(internal error, hang, runtime crash, exit status), and grouping the
differences by (syscall, native result, lxpack result) with a count and an
example (seed, line).

A trace line is `INDEX NAME(ARGS) = RESULT`; the header is `seed S count N`
and the last line `END`.
"""
import re
from collections import OrderedDict

_NUM = re.compile(r"(?<![A-Za-z_])-?(0x[0-9a-f]+|\d+)")


def parse(text):
    """{index: (call, result)} of the complete lines, and whether END was reached."""
    calls = OrderedDict()
    ended = False
    for line in text.splitlines():
        if line == "END":
            ended = True
            continue
        if line.startswith("setup "):      # compared like a call, as index -1
            calls[-1] = ("setup", line[6:])
            continue
        head, sep, result = line.partition(" = ")
        idx, _, call = head.partition(" ")
        if not idx.isdigit():
            continue
        calls[int(idx)] = (call, result if sep else "")
    return calls, ended


def syscall_name(call):
    return call.partition("(")[0]


def result_class(result):
    """The result with its numbers abstracted: 'EBADF', 'N', 'fd N', 'ok len=N val=N'..."""
    if not result:
        return "<no result>"
    if result[0] == "E" and result.isupper():
        return result
    return _NUM.sub("N", result)


def stable_native(n1, n2):
    """The native calls both runs agree on (the others are not deterministic)."""
    return OrderedDict((i, v) for i, v in n1.items() if n2.get(i) == v)


def classify_run(res, native_status=0):
    """Problems of one lxpack run: a list of (kind, detail); kinds: internal, hang, crash, status."""
    out = []
    if res.timed_out:
        out.append(("hang", "timed out after %.0f s" % res.seconds))
        return out
    err = res.stderr
    m = re.search(r"lxpack: internal error:? (.*)", err)
    if res.status == 70 or m:
        out.append(("internal", m.group(1).strip() if m else "exit status 70"))
    if "Traceback (most recent call last)" in err:
        lines = [l for l in err.splitlines() if l and not l.startswith(" ")]
        out.append(("crash", "traceback: " + (lines[-1] if lines else "?")))
    elif res.signal and not native_status:
        out.append(("crash", "died by signal %d (native exited normally)" % res.signal))
    if not out and res.status != native_status:
        out.append(("status", "exit status %s (native %s)" % (res.status, native_status)))
    return out


class Report(object):
    """Accumulates the comparisons of one backend."""

    def __init__(self, backend):
        self.backend = backend
        self.runs = 0
        self.calls_compared = 0
        self.calls_skipped = 0       # native result not deterministic
        self.calls_missing = 0       # the lxpack trace ended before them
        self.internal = []           # (seed, call, message)
        self.hangs = []              # (seed, last line)
        self.crashes = []            # (seed, call, detail)
        self.status = []             # (seed, detail)
        self.groups = OrderedDict()  # (name, native class, lxpack class) -> [count, example, seeds]
        self.first_groups = OrderedDict()  # the same for each run's first difference only
        self.seconds = 0.0

    def add(self, seed, native1, native2, res, native_status=0):
        """Compare one lxpack run (a RunResult) with the two native traces (text)."""
        self.runs += 1
        self.seconds += res.seconds
        n1, _ = parse(native1)
        n2, _ = parse(native2)
        stable = stable_native(n1, n2)
        self.calls_skipped += len(n1) - len(stable)
        got, ended = parse(res.stdout)
        # The call in flight when the run stopped: the first native index it lacks.
        missing = [i for i in n1 if i not in got]
        at = ("%d %s" % (missing[0], n1[missing[0]][0])) if missing else "after the last call"
        for kind, detail in classify_run(res, native_status):
            if kind == "internal":
                self.internal.append((seed, at, detail))
            elif kind == "hang":
                self.hangs.append((seed, at))
            elif kind == "crash":
                self.crashes.append((seed, at, detail))
            else:
                self.status.append((seed, detail))
        first = True
        for i, (call, nres) in stable.items():
            if i not in got:
                self.calls_missing += 1
                continue
            self.calls_compared += 1
            gcall, gres = got[i]
            if gcall != call:
                # an argument computed from an earlier result (a region's length) differs
                key = (syscall_name(call), "<other arguments>", "<other arguments>")
                ex = "seed %d: %d %s | lxpack: %s" % (seed, i, call, gcall)
            elif gres != nres:
                key = (syscall_name(call), result_class(nres), result_class(gres))
                ex = "seed %d: %d %s = %s | lxpack: %s" % (seed, i, call, nres, gres)
            else:
                continue
            g = self.groups.setdefault(key, [0, ex, set()])
            g[0] += 1
            g[2].add(seed)
            if first:
                first = False
                f = self.first_groups.setdefault(key, [0, ex, set()])
                f[0] += 1
                f[2].add(seed)

    def sorted_groups(self, first=False):
        g = self.first_groups if first else self.groups
        return sorted(g.items(), key=lambda kv: (-kv[1][0], kv[0]))

    def to_json(self):
        return {
            "backend": self.backend, "runs": self.runs, "seconds": round(self.seconds, 1),
            "calls_compared": self.calls_compared, "calls_skipped_nondeterministic": self.calls_skipped,
            "calls_missing": self.calls_missing,
            "internal_errors": [{"seed": s, "call": c, "message": m} for s, c, m in self.internal],
            "hangs": [{"seed": s, "call": c} for s, c in self.hangs],
            "crashes": [{"seed": s, "call": c, "detail": d} for s, c, d in self.crashes],
            "exit_status_differences": [{"seed": s, "detail": d} for s, d in self.status],
            "difference_groups": [
                {"syscall": k[0], "native": k[1], "lxpack": k[2], "count": v[0], "seeds": len(v[2]),
                 "example": v[1]} for k, v in self.sorted_groups()],
            "first_difference_groups": [
                {"syscall": k[0], "native": k[1], "lxpack": k[2], "count": v[0], "example": v[1]}
                for k, v in self.sorted_groups(first=True)],
        }

    def text(self, max_groups=60):
        o = []
        o.append("== %s: %d runs, %d calls compared, %d skipped (native not deterministic), "
                 "%d not reached, %.0f s" % (self.backend, self.runs, self.calls_compared,
                                             self.calls_skipped, self.calls_missing, self.seconds))
        o.append("internal errors: %d   hangs: %d   crashes: %d   other exit statuses: %d"
                 % (len(self.internal), len(self.hangs), len(self.crashes), len(self.status)))
        for s, c, m in _dedup(self.internal, 2):
            o.append("  internal error: %s  (e.g. seed %d, call %s)" % (m, s, c))
        for s, c in self.hangs:
            o.append("  hang: seed %d, at call %s" % (s, c))
        for s, c, d in _dedup(self.crashes, 2):
            o.append("  crash: %s  (e.g. seed %d, call %s)" % (d, s, c))
        for s, d in self.status[:10]:
            o.append("  exit status: seed %d: %s" % (s, d))
        firsts = self.sorted_groups(first=True)
        o.append("first difference of each run (later ones may follow from it): %d groups" % len(firsts))
        for (name, nat, lx), (n, ex, seeds) in firsts[:max_groups // 3]:
            o.append("  %5d  %s: native %s, lxpack %s" % (n, name, nat[:60], lx[:60]))
            o.append("         e.g. %s" % ex[:300])
        groups = self.sorted_groups()
        o.append("difference groups: %d (%d differing calls)"
                 % (len(groups), sum(v[0] for _, v in groups)))
        for (name, nat, lx), (n, ex, seeds) in groups[:max_groups]:
            o.append("  %5d x %-3d seeds  %s: native %s, lxpack %s" % (n, len(seeds), name, nat[:60], lx[:60]))
            o.append("             e.g. %s" % ex[:300])
        if len(groups) > max_groups:
            o.append("  ... %d more groups (--json for all)" % (len(groups) - max_groups))
        return "\n".join(o)


def _dedup(items, keyidx):
    """One entry per distinct message (numbers abstracted), with a count suffix."""
    seen = OrderedDict()
    for it in items:
        k = _NUM.sub("N", it[keyidx])
        if k in seen:
            seen[k][1] += 1
        else:
            seen[k] = [it, 1]
    out = []
    for it, n in seen.values():
        it = list(it)
        if n > 1:
            it[keyidx] = "%s  [%d runs]" % (it[keyidx], n)
        out.append(tuple(it))
    return out
