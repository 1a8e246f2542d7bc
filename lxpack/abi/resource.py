"""Linux x86-64 resource ABI: RLIMIT_* numbers, RLIM_INFINITY, struct rlimit,
struct rusage, RUSAGE_*, PRIO_*.

Sources: asm-generic/resource.h, linux/resource.h, getrlimit(2),
getrusage(2), getpriority(2).

Leaf module: constants and struct layouts only, no host access.
"""
import struct as _struct

from ._table import table as _table

RLIMIT_CPU = 0
RLIMIT_FSIZE = 1
RLIMIT_DATA = 2
RLIMIT_STACK = 3
RLIMIT_CORE = 4
RLIMIT_RSS = 5
RLIMIT_NPROC = 6
RLIMIT_NOFILE = 7
RLIMIT_MEMLOCK = 8
RLIMIT_AS = 9
RLIMIT_LOCKS = 10
RLIMIT_SIGPENDING = 11
RLIMIT_MSGQUEUE = 12
RLIMIT_NICE = 13
RLIMIT_RTPRIO = 14
RLIMIT_RTTIME = 15
RLIM_NLIMITS = 16
RLIMITS = _table(globals(), """RLIMIT_CPU RLIMIT_FSIZE RLIMIT_DATA RLIMIT_STACK RLIMIT_CORE
    RLIMIT_RSS RLIMIT_NPROC RLIMIT_NOFILE RLIMIT_MEMLOCK RLIMIT_AS RLIMIT_LOCKS
    RLIMIT_SIGPENDING RLIMIT_MSGQUEUE RLIMIT_NICE RLIMIT_RTPRIO RLIMIT_RTTIME""")

RLIM_INFINITY = 0xFFFFFFFFFFFFFFFF     # ~0UL

RUSAGE_SELF = 0
RUSAGE_CHILDREN = -1
RUSAGE_BOTH = -2
RUSAGE_THREAD = 1

PRIO_PROCESS = 0
PRIO_PGRP = 1
PRIO_USER = 2
PRIO_WHICH = _table(globals(), "PRIO_PROCESS PRIO_PGRP PRIO_USER")

# struct rlimit { rlim_t rlim_cur, rlim_max; }   16 bytes (prlimit64 uses the same)
RLIMIT = _struct.Struct("<QQ")
# struct rusage { timeval ru_utime, ru_stime; long maxrss, ixrss, idrss, isrss,
#   minflt, majflt, nswap, inblock, oublock, msgsnd, msgrcv, nsignals, nvcsw, nivcsw; }
RUSAGE = _struct.Struct("<qqqq14q")        # 144 bytes
RUSAGE_FIELDS = ("ru_maxrss", "ru_ixrss", "ru_idrss", "ru_isrss", "ru_minflt", "ru_majflt",
                 "ru_nswap", "ru_inblock", "ru_oublock", "ru_msgsnd", "ru_msgrcv",
                 "ru_nsignals", "ru_nvcsw", "ru_nivcsw")


def pack_rlimit(cur, maxv):
    return RLIMIT.pack(cur & 0xFFFFFFFFFFFFFFFF, maxv & 0xFFFFFFFFFFFFFFFF)


def unpack_rlimit(data):
    return RLIMIT.unpack_from(data)


def pack_rusage(utime_us=0, stime_us=0, **fields):
    """struct rusage from CPU times in microseconds and ru_* counters (by
    name, ru_maxrss in KiB as Linux reports it; missing ones are 0)."""
    unknown = set(fields) - set(RUSAGE_FIELDS)
    if unknown:
        raise TypeError("unknown rusage fields: %s" % ", ".join(sorted(unknown)))
    us, ss = divmod(utime_us, 1000000), divmod(stime_us, 1000000)
    return RUSAGE.pack(us[0], us[1], ss[0], ss[1], *[int(fields.get(f, 0)) for f in RUSAGE_FIELDS])
