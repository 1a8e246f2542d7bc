"""Linux inotify(7) ABI: event mask bits, init flags, struct inotify_event.

Sources: linux/inotify.h, inotify(7).

Leaf module: constants and struct layouts only, no host access.
"""
import struct as _struct

from ._table import table as _table

IN_ACCESS = 0x00000001
IN_MODIFY = 0x00000002
IN_ATTRIB = 0x00000004
IN_CLOSE_WRITE = 0x00000008
IN_CLOSE_NOWRITE = 0x00000010
IN_OPEN = 0x00000020
IN_MOVED_FROM = 0x00000040
IN_MOVED_TO = 0x00000080
IN_CREATE = 0x00000100
IN_DELETE = 0x00000200
IN_DELETE_SELF = 0x00000400
IN_MOVE_SELF = 0x00000800
IN_UNMOUNT = 0x00002000
IN_Q_OVERFLOW = 0x00004000
IN_IGNORED = 0x00008000
IN_CLOSE = IN_CLOSE_WRITE | IN_CLOSE_NOWRITE
IN_MOVE = IN_MOVED_FROM | IN_MOVED_TO
IN_ONLYDIR = 0x01000000
IN_DONT_FOLLOW = 0x02000000
IN_EXCL_UNLINK = 0x04000000
IN_MASK_CREATE = 0x10000000
IN_MASK_ADD = 0x20000000
IN_ISDIR = 0x40000000
IN_ONESHOT = 0x80000000
IN_ALL_EVENTS = (IN_ACCESS | IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_CLOSE_NOWRITE
                 | IN_OPEN | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE | IN_CREATE
                 | IN_DELETE_SELF | IN_MOVE_SELF)
IN_EVENTS = _table(globals(), """IN_ACCESS IN_MODIFY IN_ATTRIB IN_CLOSE_WRITE IN_CLOSE_NOWRITE
    IN_OPEN IN_MOVED_FROM IN_MOVED_TO IN_CREATE IN_DELETE IN_DELETE_SELF IN_MOVE_SELF
    IN_UNMOUNT IN_Q_OVERFLOW IN_IGNORED IN_ONLYDIR IN_DONT_FOLLOW IN_EXCL_UNLINK
    IN_MASK_CREATE IN_MASK_ADD IN_ISDIR IN_ONESHOT""")

IN_CLOEXEC = 0o2000000          # O_CLOEXEC
IN_NONBLOCK = 0o4000            # O_NONBLOCK

# struct inotify_event { s32 wd; u32 mask; u32 cookie; u32 len; char name[len]; }
INOTIFY_EVENT = _struct.Struct("<iIII")


def pack_inotify_event(wd, mask, cookie=0, name=b""):
    """One event; a non-empty name is NUL-padded to a multiple of 16 bytes
    (what the kernel does, so readers can step by 16 + len)."""
    if isinstance(name, str):
        name = name.encode("utf-8", "surrogateescape")
    if name:
        n = (len(name) + 1 + 15) & ~15
        name = name + b"\0" * (n - len(name))
    return INOTIFY_EVENT.pack(wd, mask, cookie, len(name)) + name
