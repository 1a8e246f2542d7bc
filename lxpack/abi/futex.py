"""Linux futex ABI: operations, flags, FUTEX_WAKE_OP encoding and evaluation,
PI futex word bits, the robust list layout.

Sources: linux/futex.h, futex(2), get_robust_list(2).

Leaf module: constants, struct layouts and pure helpers only.
"""
import struct as _struct

from ._table import table as _table

FUTEX_WAIT = 0
FUTEX_WAKE = 1
FUTEX_FD = 2
FUTEX_REQUEUE = 3
FUTEX_CMP_REQUEUE = 4
FUTEX_WAKE_OP = 5
FUTEX_LOCK_PI = 6
FUTEX_UNLOCK_PI = 7
FUTEX_TRYLOCK_PI = 8
FUTEX_WAIT_BITSET = 9
FUTEX_WAKE_BITSET = 10
FUTEX_WAIT_REQUEUE_PI = 11
FUTEX_CMP_REQUEUE_PI = 12
FUTEX_LOCK_PI2 = 13
FUTEX_OPS = _table(globals(), """FUTEX_WAIT FUTEX_WAKE FUTEX_FD FUTEX_REQUEUE FUTEX_CMP_REQUEUE
    FUTEX_WAKE_OP FUTEX_LOCK_PI FUTEX_UNLOCK_PI FUTEX_TRYLOCK_PI FUTEX_WAIT_BITSET
    FUTEX_WAKE_BITSET FUTEX_WAIT_REQUEUE_PI FUTEX_CMP_REQUEUE_PI FUTEX_LOCK_PI2""")

FUTEX_PRIVATE_FLAG = 128
FUTEX_CLOCK_REALTIME = 256
FUTEX_CMD_MASK = ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME)
FUTEX_WAIT_PRIVATE = FUTEX_WAIT | FUTEX_PRIVATE_FLAG
FUTEX_WAKE_PRIVATE = FUTEX_WAKE | FUTEX_PRIVATE_FLAG
FUTEX_WAIT_BITSET_PRIVATE = FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG
FUTEX_WAKE_BITSET_PRIVATE = FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG
FUTEX_BITSET_MATCH_ANY = 0xFFFFFFFF

# futex_waitv (Linux 5.16)
FUTEX_32 = 2
FUTEX_WAITV_MAX = 128
# struct futex_waitv { u64 val; u64 uaddr; u32 flags; u32 __reserved; }
FUTEX_WAITV = _struct.Struct("<QQII")

# PI futex word
FUTEX_WAITERS = 0x80000000
FUTEX_OWNER_DIED = 0x40000000
FUTEX_TID_MASK = 0x3FFFFFFF

# FUTEX_WAKE_OP
FUTEX_OP_SET = 0
FUTEX_OP_ADD = 1
FUTEX_OP_OR = 2
FUTEX_OP_ANDN = 3
FUTEX_OP_XOR = 4
FUTEX_OP_OPARG_SHIFT = 8
FUTEX_OP_CMP_EQ = 0
FUTEX_OP_CMP_NE = 1
FUTEX_OP_CMP_LT = 2
FUTEX_OP_CMP_LE = 3
FUTEX_OP_CMP_GT = 4
FUTEX_OP_CMP_GE = 5


def FUTEX_OP(op, oparg, cmp, cmparg):
    """Encode a FUTEX_WAKE_OP val3 word (as the C macro)."""
    return (((op & 0xF) << 28) | ((cmp & 0xF) << 24) | ((oparg & 0xFFF) << 12) | (cmparg & 0xFFF))


def _sext12(v):
    return v - 0x1000 if v & 0x800 else v


def decode_futex_op(encoded):
    """(op, oparg, cmp, cmparg) from val3, with oparg/cmparg sign-extended
    from 12 bits and FUTEX_OP_OPARG_SHIFT applied (oparg = 1 << oparg), as
    the kernel's futex_atomic_op_inuser does. op excludes the shift flag."""
    op = (encoded >> 28) & 0xF
    cmp = (encoded >> 24) & 0xF
    oparg = _sext12((encoded >> 12) & 0xFFF)
    cmparg = _sext12(encoded & 0xFFF)
    if op & FUTEX_OP_OPARG_SHIFT:
        if oparg < 0 or oparg > 31:
            oparg &= 31        # the kernel warns and masks
        oparg = 1 << oparg
        op &= ~FUTEX_OP_OPARG_SHIFT
    return op, oparg, cmp, cmparg


def futex_op_apply(encoded, oldval):
    """(newval, wake2) for FUTEX_WAKE_OP: the u32 to store at uaddr2 given its
    *oldval* (u32), and whether waiters on uaddr2 are woken. Raises
    ValueError for an unknown op or cmp (the kernel's ENOSYS)."""
    op, oparg, cmp, cmparg = decode_futex_op(encoded)
    if op == FUTEX_OP_SET:
        new = oparg
    elif op == FUTEX_OP_ADD:
        new = oldval + oparg
    elif op == FUTEX_OP_OR:
        new = oldval | oparg
    elif op == FUTEX_OP_ANDN:
        new = oldval & ~oparg
    elif op == FUTEX_OP_XOR:
        new = oldval ^ oparg
    else:
        raise ValueError("bad FUTEX_WAKE_OP op %d" % op)
    old = oldval - (1 << 32) if oldval & 0x80000000 else oldval    # signed compare
    if cmp == FUTEX_OP_CMP_EQ:
        wake = old == cmparg
    elif cmp == FUTEX_OP_CMP_NE:
        wake = old != cmparg
    elif cmp == FUTEX_OP_CMP_LT:
        wake = old < cmparg
    elif cmp == FUTEX_OP_CMP_LE:
        wake = old <= cmparg
    elif cmp == FUTEX_OP_CMP_GT:
        wake = old > cmparg
    elif cmp == FUTEX_OP_CMP_GE:
        wake = old >= cmparg
    else:
        raise ValueError("bad FUTEX_WAKE_OP cmp %d" % cmp)
    return new & 0xFFFFFFFF, wake


# Robust futexes: struct robust_list_head { struct robust_list list (next ptr);
#   long futex_offset; struct robust_list *list_op_pending; }   24 bytes
ROBUST_LIST_HEAD = _struct.Struct("<QqQ")
ROBUST_LIST_LIMIT = 2048
