"""Linux signalfd(2) ABI: flags and the 128-byte struct signalfd_siginfo.

Sources: linux/signalfd.h, signalfd(2).

Leaf module: constants and struct layouts only, no host access.
"""
import struct as _struct

SFD_CLOEXEC = 0o2000000         # O_CLOEXEC
SFD_NONBLOCK = 0o4000           # O_NONBLOCK

# struct signalfd_siginfo: u32 signo; s32 errno, code; u32 pid, uid; s32 fd;
# u32 tid, band, overrun, trapno; s32 status, int; u64 ptr, utime, stime, addr;
# u16 addr_lsb, pad2; s32 syscall; u64 call_addr; u32 arch; u8 pad[28]  -> 128
SIGNALFD_SIGINFO = _struct.Struct("<IiiIIiIIIIiiQQQQHHiQI28x")
SIGNALFD_SIGINFO_FIELDS = ("ssi_signo", "ssi_errno", "ssi_code", "ssi_pid", "ssi_uid", "ssi_fd",
                           "ssi_tid", "ssi_band", "ssi_overrun", "ssi_trapno", "ssi_status",
                           "ssi_int", "ssi_ptr", "ssi_utime", "ssi_stime", "ssi_addr",
                           "ssi_addr_lsb", "__pad2", "ssi_syscall", "ssi_call_addr", "ssi_arch")


def pack_signalfd_siginfo(ssi_signo, ssi_code=0, **fields):
    """One signalfd record; other ssi_* fields by name (default 0)."""
    fields["ssi_signo"] = ssi_signo
    fields["ssi_code"] = ssi_code
    unknown = set(fields) - set(SIGNALFD_SIGINFO_FIELDS)
    if unknown:
        raise TypeError("unknown signalfd_siginfo fields: %s" % ", ".join(sorted(unknown)))
    vals = []
    for name, code in zip(SIGNALFD_SIGINFO_FIELDS, "IiiIIiIIIIiiQQQQHHiQI"):
        v = int(fields.get(name, 0))
        if code in "IQH":
            v &= (1 << (8 * _struct.calcsize(code))) - 1
        vals.append(v)
    return SIGNALFD_SIGINFO.pack(*vals)
