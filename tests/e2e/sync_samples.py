"""Keep the common block of the samples (tests/e2e/sample_common.h) in the
samples that carry one, between its marker lines, so that each sample stays a
single self-contained file.

    python tests/e2e/sync_samples.py                      # list stale copies (exit 1 if any)
    python tests/e2e/sync_samples.py --write samples/x.c  # rewrite the block in these files
    python tests/e2e/sync_samples.py --write-all          # ... in every sample (mind their owners)
"""
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SAMPLES = HERE.parents[1] / "samples"
BEGIN = "/* ---- common to the samples"
END = "/* ---- end of common part ---- */"
BLOCK = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.S)


def common() -> str:
    return (HERE / "sample_common.h").read_text().strip()


def out_of_date(paths=None):
    want = common()
    stale = []
    for p in paths or sorted(SAMPLES.glob("*.c")):
        m = BLOCK.search(Path(p).read_text())
        if m and m.group(0) != want:
            stale.append(Path(p))
    return stale


def main(argv):
    if argv[:1] == ["--write"]:
        targets = out_of_date([Path(a) for a in argv[1:]])
    elif argv[:1] == ["--write-all"]:
        targets = out_of_date()
    else:
        stale = out_of_date()
        for p in stale:
            print("out of date: %s" % p)
        return 1 if stale else 0
    want = common()
    for p in targets:
        p.write_text(BLOCK.sub(lambda m: want, p.read_text(), count=1))
        print("updated %s" % p)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
