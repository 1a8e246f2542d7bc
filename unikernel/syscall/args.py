"""Argument kinds for syscall handler annotations.

A handler is declared as `def sys_read(t, fd: Fd, buf: Ptr, count: Size)`;
the table builds, once at registration, a decoder from these annotations
(raw register -> Python value) and the strace formatter. Kinds:

  Int   i32 sign-extended (most flags/fds are C ints)
  Long  i64 signed
  UInt  u32;  ULong/Size/Ptr  u64;  Oct  u16 (a umode_t)
  Fd    i32, printed as AT_FDCWD when -100
  CStr  a NUL-terminated guest string copied in (bytes), length-capped
  Path  like CStr, capped at PATH_MAX (ENAMETOOLONG)
  Out[K] printed after the call returns (strace shows results)
Travels inside bundles: Python 3.9.
"""
from lxpack.abi.fcntl import AT_FDCWD


class Kind(object):
    """Base of argument kinds; `conv` is None when the raw u64 is the value."""
    conv = None
    copy_in = False

    @staticmethod
    def fmt(v):
        return str(v)


def _i32(v):
    v &= 0xFFFFFFFF
    return v - 0x100000000 if v & 0x80000000 else v


def _i64(v):
    return v - 0x10000000000000000 if v & 0x8000000000000000 else v


def _u32(v):
    return v & 0xFFFFFFFF


class Int(Kind):
    conv = staticmethod(_i32)


class Long(Kind):
    conv = staticmethod(_i64)


class UInt(Kind):
    conv = staticmethod(_u32)


class ULong(Kind):
    pass


class Size(Kind):
    pass


class Ptr(Kind):
    @staticmethod
    def fmt(v):
        return "NULL" if v == 0 else "%#x" % v


class Hex(Kind):
    conv = staticmethod(_u32)

    @staticmethod
    def fmt(v):
        return "%#x" % v


def _u16(v):
    return v & 0xFFFF


class Oct(Kind):
    # a umode_t: Linux takes the low 16 bits of the register
    conv = staticmethod(_u16)

    @staticmethod
    def fmt(v):
        return "0%o" % v


class Fd(Kind):
    conv = staticmethod(_i32)

    @staticmethod
    def fmt(v):
        return "AT_FDCWD" if v == AT_FDCWD else str(v)


def require_fd(t, fd):
    """Linux looks the descriptor up before it checks other arguments or
    copies user memory: a call about to fail for another reason calls this
    first, so a bad descriptor says EBADF (checked only on error paths)."""
    from lxpack.unikernel.errors import EBADF, LinuxError
    if fd < 0:
        raise EBADF()
    if t.files.emulated.get(fd) is None:
        try:
            t.host.get_cloexec(fd)
        except LinuxError:
            raise EBADF()


class CStr(Kind):
    copy_in = True
    limit = 1 << 20

    @staticmethod
    def fmt(v):
        if v is None:
            return "NULL"
        if isinstance(v, int):       # not copied in (a bad address): the pointer
            return "%#x" % v
        s = repr(v[:64])[1:]
        return s if len(v) <= 64 else s + "..."


class Path(CStr):
    limit = 4096


class _OutMeta(type):
    def __getitem__(cls, kind):
        return type("Out_" + kind.__name__, (kind,), {"out": True})


class Out(Kind, metaclass=_OutMeta):
    """Out[Ptr]: the argument is written by the call (strace prints it after)."""
    out = True
