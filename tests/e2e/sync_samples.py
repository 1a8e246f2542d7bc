"""Copy the common block of the samples (tests/e2e/sample_common.h) into every
samples/*.c that has one, between its marker lines, so that each sample stays
a single self-contained file. Run after editing sample_common.h:

    python tests/e2e/sync_samples.py          # rewrite the samples
    python tests/e2e/sync_samples.py --check  # exit 1 if any is out of date
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


def out_of_date():
    want = common()
    stale = []
    for p in sorted(SAMPLES.glob("*.c")):
        text = p.read_text()
        m = BLOCK.search(text)
        if m and m.group(0) != want:
            stale.append(p)
    return stale


def main(argv):
    stale = out_of_date()
    if "--check" in argv:
        for p in stale:
            print("out of date: %s" % p)
        return 1 if stale else 0
    want = common()
    for p in stale:
        p.write_text(BLOCK.sub(lambda m: want, p.read_text(), count=1))
        print("updated %s" % p)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
