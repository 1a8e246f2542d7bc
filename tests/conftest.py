"""Suite-wide pytest configuration: known gaps.

tests/known_failures.txt lists tests that fail today because the feature is
not finished, one `NODEID-PATTERN  # reason` per line (`*` matches anything). They still run, and are
reported as xfail with the reason (an XPASS shows when one starts passing,
so the list is kept honest by `make test` output). This keeps CI green on
what works while the gaps stay visible in every run and in the issue notes.
"""
import os
import re

import pytest

_KNOWN = os.path.join(os.path.dirname(__file__), "known_failures.txt")

# Every packed bundle a test runs sees only the host paths a Mac has (the
# foreign-host mode), so a file the bundle lacks fails here, not on a user's
# Mac. A test that means the Linux view sets LXPACK_FOREIGN_HOST=0 itself.
os.environ.setdefault("LXPACK_FOREIGN_HOST", "1")
# No test downloads the pinned CPython for Macs (this machine reaches no
# release server): bundles embed one only from --python-dist or the cache.
os.environ.setdefault("LXPACK_PYTHON_FETCH", "0")


def _load():
    out = []
    if not os.path.exists(_KNOWN):
        return out
    with open(_KNOWN) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            pat, _, reason = line.partition("#")
            # Only `*` is a wildcard ([...] in node ids is literal).
            rx = re.compile("^" + ".*".join(re.escape(part) for part in pat.strip().split("*")) + "$")
            out.append((rx, reason.strip() or "known gap"))
    return out


# The network end-to-end files (networking, multiplexing, pseudo-terminals):
# part of `make test`; the marker (registered in pyproject.toml) lets
# `make test-net` run only them.
_NET_FILES = ("tests/e2e/test_net.py", "tests/e2e/test_poll.py", "tests/e2e/test_tty_pty.py")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.nodeid.startswith(_NET_FILES):
            item.add_marker(pytest.mark.net)
    known = _load()
    if not known:
        return
    for item in items:
        for rx, reason in known:
            if rx.match(item.nodeid):
                item.add_marker(pytest.mark.xfail(reason="known gap: " + reason, strict=False))
                break
