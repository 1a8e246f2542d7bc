"""Linux x86-64 time ABI: clock ids, timer flags, struct timespec/timeval/
itimerval/itimerspec/timezone/tms layouts and helpers.

Sources: linux/time.h, linux/time_types.h, asm-generic/siginfo.h (SIGEV_*),
clock_gettime(2), timer_create(2), setitimer(2), times(2).

Leaf module: constants and struct layouts only, no host access.
"""
import struct as _struct

from ._table import table as _table

CLOCK_REALTIME = 0
CLOCK_MONOTONIC = 1
CLOCK_PROCESS_CPUTIME_ID = 2
CLOCK_THREAD_CPUTIME_ID = 3
CLOCK_MONOTONIC_RAW = 4
CLOCK_REALTIME_COARSE = 5
CLOCK_MONOTONIC_COARSE = 6
CLOCK_BOOTTIME = 7
CLOCK_REALTIME_ALARM = 8
CLOCK_BOOTTIME_ALARM = 9
CLOCK_SGI_CYCLE = 10
CLOCK_TAI = 11
MAX_CLOCKS = 16
CLOCKS = _table(globals(), """
    CLOCK_REALTIME CLOCK_MONOTONIC CLOCK_PROCESS_CPUTIME_ID CLOCK_THREAD_CPUTIME_ID
    CLOCK_MONOTONIC_RAW CLOCK_REALTIME_COARSE CLOCK_MONOTONIC_COARSE CLOCK_BOOTTIME
    CLOCK_REALTIME_ALARM CLOCK_BOOTTIME_ALARM CLOCK_TAI""")

# clock_nanosleep(2), timer_settime(2)
TIMER_ABSTIME = 0x01

# setitimer(2)
ITIMER_REAL = 0
ITIMER_VIRTUAL = 1
ITIMER_PROF = 2

# struct sigevent.sigev_notify
SIGEV_SIGNAL = 0
SIGEV_NONE = 1
SIGEV_THREAD = 2
SIGEV_THREAD_ID = 4

NSEC_PER_SEC = 1000000000
USEC_PER_SEC = 1000000

# struct timespec { time_t tv_sec; long tv_nsec; }   16 bytes
TIMESPEC = _struct.Struct("<qq")
# struct timeval { time_t tv_sec; suseconds_t tv_usec; }   16 bytes
TIMEVAL = _struct.Struct("<qq")
# two struct timespec (utimensat times[2]) / timeval (utimes times[2])   32 bytes
TIMESPEC_PAIR = _struct.Struct("<qqqq")
TIMEVAL_PAIR = _struct.Struct("<qqqq")
# struct utimbuf { time_t actime; time_t modtime; }   16 bytes
UTIMBUF = _struct.Struct("<qq")
# struct itimerspec { timespec it_interval; timespec it_value; }   32 bytes
ITIMERSPEC = _struct.Struct("<qqqq")
# struct itimerval { timeval it_interval; timeval it_value; }   32 bytes
ITIMERVAL = _struct.Struct("<qqqq")
# struct timezone { int tz_minuteswest; int tz_dsttime; }   8 bytes
TIMEZONE = _struct.Struct("<ii")
# struct tms { clock_t tms_utime, tms_stime, tms_cutime, tms_cstime; }   32 bytes
TMS = _struct.Struct("<qqqq")
# struct sigevent (64 bytes): sigval (8), int signo, int notify, union (48)
SIGEVENT = _struct.Struct("<Qii48s")


def pack_timespec(sec, nsec=0):
    return TIMESPEC.pack(sec, nsec)


def unpack_timespec(data, offset=0):
    """(tv_sec, tv_nsec) from a struct timespec."""
    return TIMESPEC.unpack_from(data, offset)


def timespec_from_ns(ns):
    """(sec, nsec) with 0 <= nsec < 1e9 (also for times before 1970)."""
    return divmod(ns, NSEC_PER_SEC)


def timespec_to_ns(sec, nsec):
    return sec * NSEC_PER_SEC + nsec


def pack_timespec_ns(ns, _pack=TIMESPEC.pack):
    """struct timespec for *ns* (clock_gettime: a hot path, so no divmod
    tuple and the packer bound at definition)."""
    return _pack(ns // NSEC_PER_SEC, ns % NSEC_PER_SEC)


def timespec_valid(sec, nsec):
    """What the kernel's timespec64_valid() accepts (EINVAL otherwise)."""
    return sec >= 0 and 0 <= nsec < NSEC_PER_SEC


def unpack_timespec_ns(data, offset=0, _unpack=TIMESPEC.unpack_from):
    """Nanoseconds from a struct timespec, or None when the kernel's
    timespec64_valid() rejects it (the caller raises EINVAL)."""
    sec, nsec = _unpack(data, offset)
    if sec < 0 or not 0 <= nsec < NSEC_PER_SEC:
        return None
    return sec * NSEC_PER_SEC + nsec


def pack_timeval(sec, usec=0):
    return TIMEVAL.pack(sec, usec)


def unpack_timeval(data, offset=0):
    """(tv_sec, tv_usec) from a struct timeval."""
    return TIMEVAL.unpack_from(data, offset)


def pack_timeval_ns(ns, _pack=TIMEVAL.pack):
    return _pack(ns // NSEC_PER_SEC, ns % NSEC_PER_SEC // 1000)


def pack_timeval_sec(sec):
    """struct timeval from float seconds (usec truncated: rusage times)."""
    s = int(sec)
    return TIMEVAL.pack(s, int((sec - s) * 1e6))


def pack_timeval_sec_rounded(sec):
    """struct timeval from float seconds, usec rounded (host itimer values)."""
    s = int(sec)
    return TIMEVAL.pack(s, int(round((sec - s) * 1e6)))


def pack_itimerspec(interval_ns, value_ns):
    return ITIMERSPEC.pack(*(divmod(interval_ns, NSEC_PER_SEC) + divmod(value_ns, NSEC_PER_SEC)))


def unpack_itimerspec(data, offset=0):
    """(interval_ns, value_ns) from a struct itimerspec (fields not validated)."""
    isec, insec, vsec, vnsec = ITIMERSPEC.unpack_from(data, offset)
    return isec * NSEC_PER_SEC + insec, vsec * NSEC_PER_SEC + vnsec


def unpack_itimerspec_valid(data, offset=0):
    """(interval_ns, value_ns) from a struct itimerspec, or None when either
    timespec is invalid (negative seconds or nsec outside [0, 1e9))."""
    isec, insec, vsec, vnsec = ITIMERSPEC.unpack_from(data, offset)
    if isec < 0 or vsec < 0 or not (0 <= insec < NSEC_PER_SEC and 0 <= vnsec < NSEC_PER_SEC):
        return None
    return isec * NSEC_PER_SEC + insec, vsec * NSEC_PER_SEC + vnsec


def pack_itimerval(interval_us, value_us):
    return ITIMERVAL.pack(*(divmod(interval_us, USEC_PER_SEC) + divmod(value_us, USEC_PER_SEC)))


def unpack_itimerval(data, offset=0):
    """(interval_us, value_us) from a struct itimerval."""
    isec, iusec, vsec, vusec = ITIMERVAL.unpack_from(data, offset)
    return isec * USEC_PER_SEC + iusec, vsec * USEC_PER_SEC + vusec
