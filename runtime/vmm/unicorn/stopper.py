"""Exact stops of a unicorn engine from another host thread (preemption).

Owns: BlockStopper, the one way another thread may stop guest code that
makes no system calls without re-running a completed instruction.

Why: uc_emu_stop from another thread is not exact. Unicorn 2.1 checks for
an exit request after every guest load and store and then rolls RIP back to
the start of that instruction although its store is done, so a
read-modify-write (`lock cmpxchg`, `lock xadd`, `add [m], 1`) runs twice
(UnicornVcpu.request_stop). A stop asked for from the engine's own thread
at the start of a translated block is exact: the first check that sees it
comes at the first memory access of the block, before any store of the
instruction making it, or at the next block start.

How: two block hooks whose callbacks are C functions (no Python per block).
With two, the engine calls them through its generic hook helper, which reads
each hook's callback pointer at every block start (with one hook it would
compile the call into the block). The armed hook's callback normally
points at a C function without effect (uc_arch_supported, which only reads
its argument); arm() writes uc_emu_stop's address there (one aligned
pointer store, atomic on every host the bundle carries), so the engine's
own thread stops itself at its next block start; disarm() writes the no-op
back. The second hook's range is the single address 0 (never a block
start here): it is only there to keep the calls out of the blocks.

Cost: ~14 ns per executed block (measured on this machine: a 7-instruction
loop, 58 -> 72 ns per iteration; python3 under the engine ~20-40% more
CPU). So the hooks are installed only for a process whose thread kept the
engine past a time slice without a system call while another waited
(UnicornVcpu.preempt), and the translated code, made without the calls, is
dropped when they are installed.

The pointer slot is found in unicorn's hook record by the values given to
uc_hook_add (callback next to a unique user_data); if it is not found
(another unicorn layout) the stopper stays unavailable and the scheduler
keeps its inexact fallback.
Travels inside bundles: Python 3.9.
"""
import ctypes

import unicorn
from unicorn.unicorn_py3 import unicorn as _ucpy

# SAFETY: uclib is the loaded libunicorn with prototypes set by the binding.
_lib = _ucpy.uclib
_NOOP = ctypes.cast(_lib.uc_arch_supported, ctypes.c_void_p).value
_STOP = ctypes.cast(_lib.uc_emu_stop, ctypes.c_void_p).value
_RECORD_WORDS = 16          # how far into unicorn's hook record the slot is looked for


class BlockStopper(object):
    """The block hooks of one engine (see the module docstring)."""

    def __init__(self, handle):
        self.handle = handle
        self.slot = None          # ctypes.c_uint64 over the armed hook's callback pointer
        self._hooks = []
        self._cookie = ctypes.c_uint64(0x6C78706B73746F70)   # user_data that marks our record

    def install(self):
        """Add the hooks (engine thread, outside or inside a hook callback).
        True if arm() works from now on; the caller must drop translated
        code before the engine runs again."""
        if self.slot is not None:
            return True
        armed = self._add(1, 0)                  # every block (begin > end)
        if armed is None:
            return False
        if self._add(0, 0) is None:              # address 0 only: forces the generic helper
            return False
        words = (ctypes.c_uint64 * _RECORD_WORDS).from_address(armed.value)
        cookie = ctypes.addressof(self._cookie)
        for i in range(_RECORD_WORDS - 1):
            if words[i] == _NOOP and words[i + 1] == cookie:
                self.slot = ctypes.c_uint64.from_address(armed.value + 8 * i)
                return True
        return False

    def _add(self, begin, end):
        h = _ucpy.uc_hook_h()
        # SAFETY: the callback is a C function of libunicorn (never freed while
        # the engine lives); user_data points at self._cookie, kept by self.
        err = _lib.uc_hook_add(self.handle, ctypes.byref(h), unicorn.UC_HOOK_BLOCK, ctypes.c_void_p(_NOOP),
                               ctypes.c_void_p(ctypes.addressof(self._cookie)),
                               ctypes.c_uint64(begin), ctypes.c_uint64(end))
        if err:
            return None
        self._hooks.append(h)
        return h

    def arm(self):
        """From any thread: the engine stops at its next block start."""
        self.slot.value = _STOP

    def disarm(self):
        """True if the stopper was armed."""
        slot = self.slot
        if slot is None or slot.value != _STOP:
            return False
        slot.value = _NOOP
        return True
