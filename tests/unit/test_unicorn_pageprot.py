"""The unicorn backend's page-permission map (runtime/vmm/unicorn/pageprot.py),
which the TLB-fill hook consults on every engine TLB miss: after any sequence
of map/protect/unmap it answers as a per-page dictionary would, and its
intervals stay sorted and disjoint."""
import random

from lxpack.runtime.vmm.unicorn.pageprot import ProtMap


def test_prot_map_agrees_with_a_page_dictionary():
    rng = random.Random(7)
    m = ProtMap()
    ref = {}
    for _ in range(3000):
        a = rng.randrange(0, 200)
        b = a + rng.randrange(1, 30)
        p = rng.choice([None, 0, 1, 3, 5, 7])
        m.set(a, b, p)
        for x in range(a, b):
            if p is None:
                ref.pop(x, None)
            else:
                ref[x] = p
        assert [m.lookup(x) for x in range(240)] == [ref.get(x) for x in range(240)]
        c, d = sorted((rng.randrange(0, 240), rng.randrange(0, 240)))
        d += 1
        assert m.covers(c, d) == all(x in ref for x in range(c, d))
        q = rng.choice([None, 0, 1, 3, 5, 7])
        assert m.lost(c, d, q) == (any(ref[x] & ~(q or 0) for x in range(c, d) if x in ref),
                                   any(ref[x] & 4 for x in range(c, d) if x in ref))
        assert m.starts == sorted(m.starts)
        assert all(s < e for s, e in zip(m.starts, m.ends))
        assert all(e <= s2 for e, s2 in zip(m.ends, m.starts[1:]))


def test_lookup_of_page_addresses():
    m = ProtMap()
    m.set(0x400000, 0x402000, 5)
    m.set(0x401000, 0x402000, 1)      # mprotect of the second page
    assert (m.lookup(0x3FF000), m.lookup(0x400000), m.lookup(0x400FFF), m.lookup(0x401000),
            m.lookup(0x402000)) == (None, 5, 5, 1, None)
