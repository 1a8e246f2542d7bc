"""Linux x86-64 scheduling and clone ABI: CLONE_* flags, CSIGNAL, struct
clone_args (clone3), SCHED_* policies, struct sched_param, CPU set helpers.

Sources: linux/sched.h, clone(2), sched_setscheduler(2),
sched_setaffinity(2).

Leaf module: constants and struct layouts only, no host access.
"""
import struct as _struct

from ._table import table as _table

CSIGNAL = 0x000000FF
CLONE_NEWTIME = 0x00000080
CLONE_VM = 0x00000100
CLONE_FS = 0x00000200
CLONE_FILES = 0x00000400
CLONE_SIGHAND = 0x00000800
CLONE_PIDFD = 0x00001000
CLONE_PTRACE = 0x00002000
CLONE_VFORK = 0x00004000
CLONE_PARENT = 0x00008000
CLONE_THREAD = 0x00010000
CLONE_NEWNS = 0x00020000
CLONE_SYSVSEM = 0x00040000
CLONE_SETTLS = 0x00080000
CLONE_PARENT_SETTID = 0x00100000
CLONE_CHILD_CLEARTID = 0x00200000
CLONE_DETACHED = 0x00400000
CLONE_UNTRACED = 0x00800000
CLONE_CHILD_SETTID = 0x01000000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
CLONE_IO = 0x80000000
CLONE_CLEAR_SIGHAND = 0x100000000
CLONE_INTO_CGROUP = 0x200000000
CLONE_FLAGS = _table(globals(), """CLONE_NEWTIME CLONE_VM CLONE_FS CLONE_FILES CLONE_SIGHAND
    CLONE_PIDFD CLONE_PTRACE CLONE_VFORK CLONE_PARENT CLONE_THREAD CLONE_NEWNS
    CLONE_SYSVSEM CLONE_SETTLS CLONE_PARENT_SETTID CLONE_CHILD_CLEARTID CLONE_DETACHED
    CLONE_UNTRACED CLONE_CHILD_SETTID CLONE_NEWCGROUP CLONE_NEWUTS CLONE_NEWIPC
    CLONE_NEWUSER CLONE_NEWPID CLONE_NEWNET CLONE_IO CLONE_CLEAR_SIGHAND CLONE_INTO_CGROUP""")
# the flag sets a fork / a pthread_create (glibc 2.34+) use
FORK_FLAGS = CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID
THREAD_FLAGS = (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD
                | CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID)

# struct clone_args { u64 flags, pidfd, child_tid, parent_tid, exit_signal, stack,
#                     stack_size, tls, set_tid, set_tid_size, cgroup; }
CLONE_ARGS = _struct.Struct("<11Q")        # 88 bytes (CLONE_ARGS_SIZE_VER2)
CLONE_ARGS_SIZE_VER0 = 64
CLONE_ARGS_SIZE_VER1 = 80
CLONE_ARGS_SIZE_VER2 = 88
CLONE_ARGS_FIELDS = ("flags", "pidfd", "child_tid", "parent_tid", "exit_signal", "stack",
                     "stack_size", "tls", "set_tid", "set_tid_size", "cgroup")


def unpack_clone_args(data):
    """dict of clone_args fields from a buffer of 64, 80 or 88+ bytes
    (missing trailing fields are 0)."""
    data = bytes(data[:CLONE_ARGS.size]).ljust(CLONE_ARGS.size, b"\0")
    return dict(zip(CLONE_ARGS_FIELDS, CLONE_ARGS.unpack(data)))


SCHED_NORMAL = 0
SCHED_OTHER = SCHED_NORMAL
SCHED_FIFO = 1
SCHED_RR = 2
SCHED_BATCH = 3
SCHED_IDLE = 5
SCHED_DEADLINE = 6
SCHED_RESET_ON_FORK = 0x40000000
SCHED_POLICIES = _table(globals(), "SCHED_NORMAL SCHED_FIFO SCHED_RR SCHED_BATCH SCHED_IDLE SCHED_DEADLINE")
# struct sched_param { int sched_priority; }
SCHED_PARAM = _struct.Struct("<i")


def cpuset_bytes(cpus, size=128):
    """A cpu_set_t bitmask of *size* bytes with the given CPU numbers set."""
    buf = bytearray(size)
    for c in cpus:
        if 0 <= c < size * 8:
            buf[c >> 3] |= 1 << (c & 7)
    return bytes(buf)


def cpuset_cpus(data):
    """CPU numbers set in a cpu_set_t buffer."""
    return [i * 8 + b for i, byte in enumerate(bytearray(data)) for b in range(8) if byte >> b & 1]
