"""The translation tables of xlat.py: one ValueMap (one value of a set)
or FlagMap (a flag word, with multi-bit fields and compound names) per
group of constants, built once per host from its _Spec.

Owns: ValueMap, FlagMap and _LINUX_NS (every Linux constant by name, for
field masks). Who may import this: runtime.host.xlat (which re-exports
them). Python 3.9 compatible.
"""
from lxpack.abi import fcntl as _F
from lxpack.abi import mman as _M
from lxpack.abi import poll as _P
from lxpack.abi import resource as _R
from lxpack.abi import signal as _S
from lxpack.abi import socket as _SK
from lxpack.abi import stat as _ST
from lxpack.abi import termios as _T
from lxpack.abi import time as _TM
from lxpack.runtime.host.xlat_hosts import DROP


# --- translation tables ------------------------------------------------------------------
def _host_value(host, spec, lname):
    for hn in spec.aliases.get(lname, (lname,)):
        v = host.get(hn)
        if v is not None:
            return v
    return None


class ValueMap(object):
    """Linux value <-> host value for a group of names."""

    def __init__(self, spec, host):
        fwd, back, missing = {}, {}, []
        for lname, lval in spec.linux.items():
            hval = _host_value(host, spec, lname)
            if hval is None:
                missing.append(lname)
                continue
            fwd.setdefault(lval, hval)
            if lname in spec.prefer:
                back[hval] = lval
            else:
                back.setdefault(hval, lval)
        for hname, lname in spec.host_only.items():
            hval = host.get(hname)
            if hval is not None and hval not in back:
                back[hval] = spec.linux[lname]
        self.fwd = fwd
        self.back = back
        self.missing = tuple(missing)
        self.identity = all(k == v for k, v in fwd.items()) and all(k == v for k, v in back.items())
        self.to_host = fwd.get
        self.to_linux = back.get


def _popcount(x):
    return bin(x).count("1")


class FlagMap(object):
    """Linux flag word <-> host flag word, bit by bit by name, with multi-bit
    fields (e.g. O_ACCMODE, CSIZE, TABDLY, S_IFMT) and compound names (e.g.
    Linux O_SYNC = __O_SYNC|O_DSYNC, macOS CRTSCTS = CCTS_OFLOW|CRTS_IFLOW)."""

    def __init__(self, spec, host, linux_ns, error):
        self._error = error
        self.unknown = spec.unknown
        fields = []
        known_l = 0
        known_h = 0
        identity = True
        for mask_name, members in spec.fields.items():
            lmask = linux_ns[mask_name]
            fwd, back = {}, {}
            hmask = host.get(mask_name)
            hvals = {}
            for m in members:
                hv = _host_value(host, spec, m)
                if hv is not None:
                    hvals[m] = hv
            if hmask is None:
                hmask = 0
                for hv in hvals.values():
                    hmask |= hv
            for m in members:
                lv = linux_ns[m]
                if m in hvals:
                    fwd.setdefault(lv, hvals[m])
                    back.setdefault(hvals[m], lv)
            identity = identity and lmask == hmask and all(k == v for k, v in fwd.items()) \
                and len(fwd) == len(members)
            fields.append((lmask, hmask, fwd, back))
            known_l |= lmask
            known_h |= hmask
        self._fields = tuple(fields)

        singles, compounds, miss_single, miss_compound = {}, [], {}, []
        h_singles, h_compounds = {}, []
        for lname, lval in spec.linux.items():
            if not lval:
                continue
            hval = _host_value(host, spec, lname)
            if hval is None:
                act = spec.policy.get(lname, spec.missing)
                identity = False
                if _popcount(lval) == 1:
                    miss_single[lval] = (act, lname)
                else:
                    miss_compound.append((lval, act, lname))
                continue
            known_l |= lval
            if hval != lval:
                identity = False
            if _popcount(lval) == 1:
                singles[lval] = singles.get(lval, 0) | hval
            else:
                compounds.append((lval, hval))
            if hval:
                known_h |= hval
                if _popcount(hval) == 1:
                    h_singles[hval] = h_singles.get(hval, 0) | lval
                else:
                    h_compounds.append((hval, lval))
        compounds.sort(key=lambda c: -_popcount(c[0]))
        h_compounds.sort(key=lambda c: -_popcount(c[0]))
        self._singles = singles
        self._compounds = tuple(compounds)
        self._miss_single = miss_single
        self._miss_compound = tuple(miss_compound)
        self._h_singles = h_singles
        self._h_compounds = tuple(h_compounds)
        self.known_linux = known_l
        self.known_host = known_h
        self.identity = identity and self.unknown == DROP
        if self.identity:
            self.to_host = self._identity
            self.to_linux = self._identity_back

    def _identity(self, x):
        return x & self.known_linux

    def _identity_back(self, x):
        return x & self.known_host

    def _refuse(self, act, name):
        raise self._error(act, name)

    def to_host(self, x):
        out = 0
        for lmask, _hmask, fwd, _back in self._fields:
            v = x & lmask
            h = fwd.get(v)
            if h is None:
                h = v if lmask == _hmask else 0
            out |= h
            x &= ~lmask
        for lbits, hbits in self._compounds:
            if x & lbits == lbits:
                out |= hbits
                x &= ~lbits
        for lbits, act, name in self._miss_compound:
            if x & lbits == lbits:
                if act != DROP:
                    self._refuse(act, name)
                x &= ~lbits
        singles = self._singles
        while x:
            b = x & -x
            x ^= b
            h = singles.get(b)
            if h is not None:
                out |= h
                continue
            act, name = self._miss_single.get(b, (self.unknown, hex(b)))
            if act != DROP:
                self._refuse(act, name)
        return out

    def to_linux(self, x):
        out = 0
        for lmask, hmask, _fwd, back in self._fields:
            v = x & hmask
            lv = back.get(v)
            if lv is None:
                lv = v if lmask == hmask else 0
            out |= lv
            x &= ~hmask
        for hbits, lbits in self._h_compounds:
            if x & hbits == hbits:
                out |= lbits
                x &= ~hbits
        singles = self._h_singles
        while x:
            b = x & -x
            x ^= b
            out |= singles.get(b, 0)
        return out


_LINUX_NS = {}
for _mod in (_F, _ST, _T, _M, _SK, _S, _P, _R, _TM):
    for _k, _v in vars(_mod).items():
        if isinstance(_v, int) and not isinstance(_v, bool):
            _LINUX_NS.setdefault(_k, _v)
del _mod, _k, _v
