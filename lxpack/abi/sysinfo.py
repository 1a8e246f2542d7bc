"""Linux x86-64 system information layouts: struct new_utsname (uname(2)) and
struct sysinfo (sysinfo(2)).

Sources: linux/utsname.h, linux/sysinfo.h, uname(2), sysinfo(2).

Leaf module: struct layouts only, no host access.
"""
import struct as _struct

__NEW_UTS_LEN = 64
UTS_FIELD_LEN = __NEW_UTS_LEN + 1          # 65
# struct new_utsname { char sysname, nodename, release, version, machine, domainname [65]; }
UTSNAME = _struct.Struct("<65s65s65s65s65s65s")   # 390 bytes
UTSNAME_FIELDS = ("sysname", "nodename", "release", "version", "machine", "domainname")


def pack_utsname(sysname, nodename, release, version, machine, domainname="(none)"):
    """struct new_utsname; str fields are UTF-8 encoded and cut to 64 bytes."""
    vals = []
    for v in (sysname, nodename, release, version, machine, domainname):
        if isinstance(v, str):
            v = v.encode("utf-8", "surrogateescape")
        vals.append(v[:__NEW_UTS_LEN])
    return UTSNAME.pack(*vals)


SI_LOAD_SHIFT = 16
# struct sysinfo { long uptime; unsigned long loads[3]; unsigned long totalram,
#   freeram, sharedram, bufferram, totalswap, freeswap; u16 procs; u16 pad;
#   [pad 4]; unsigned long totalhigh, freehigh; u32 mem_unit; char _f[0]; [pad 4] }
SYSINFO = _struct.Struct("<q3Q6QHH4xQQI4x")       # 112 bytes


def pack_sysinfo(uptime, loads=(0, 0, 0), totalram=0, freeram=0, sharedram=0, bufferram=0,
                 totalswap=0, freeswap=0, procs=1, totalhigh=0, freehigh=0, mem_unit=1):
    """struct sysinfo; *loads* are the 1/5/15-minute load averages as floats
    (scaled by 1 << SI_LOAD_SHIFT here) or already-scaled ints."""
    ld = [int(x * (1 << SI_LOAD_SHIFT)) if isinstance(x, float) else int(x) for x in loads]
    return SYSINFO.pack(uptime, ld[0], ld[1], ld[2], totalram, freeram, sharedram, bufferram,
                        totalswap, freeswap, procs & 0xFFFF, 0, totalhigh, freehigh, mem_unit)
