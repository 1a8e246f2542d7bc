"""The unicorn block stopper (runtime/vmm/unicorn/stopper.py): another
thread stops guest code that makes no system call at a block start, so a
read-modify-write is never run twice, where uc_emu_stop from another thread
re-runs most of the ones it interrupts. A bare engine, no unikernel."""
import threading
import time

import pytest

unicorn = pytest.importorskip("unicorn")
from unicorn import x86_const as X  # noqa: E402

from lxpack.runtime.vmm.unicorn.stopper import BlockStopper  # noqa: E402

CODE = 0x1000
DATA = 0x10000
# loop: lock add qword [rbx], 1 ; dec rdx ; jnz loop ; hlt
LOOP = bytes.fromhex("f048830301" "48ffca" "75f6" "f4")
END = CODE + len(LOOP) - 1          # the hlt: where the loop ends


def _engine(n):
    uc = unicorn.Uc(unicorn.UC_ARCH_X86, unicorn.UC_MODE_64)
    uc.mem_map(CODE, 0x1000)
    uc.mem_map(DATA, 0x1000)
    uc.mem_write(CODE, LOOP)
    uc.reg_write(X.UC_X86_REG_RBX, DATA)
    uc.reg_write(X.UC_X86_REG_RDX, n)
    return uc


def _run_with_stops(uc, stop, after_run=None, want=30):
    """Run the loop to its end while another thread calls stop() every
    0.5 ms until `want` runs were stopped; returns (counter, stops)."""
    done = threading.Event()
    stops = [0]

    def kicker():
        while not done.is_set() and stops[0] < want:
            time.sleep(0.0005)
            stop()
    th = threading.Thread(target=kicker, daemon=True)
    th.start()
    rip = CODE
    try:
        while True:
            uc.emu_start(rip, END)
            if after_run is not None:
                after_run()
            rip = uc.reg_read(X.UC_X86_REG_RIP)
            if rip == END:
                break
            stops[0] += 1
    finally:
        done.set()
        th.join()
    return int.from_bytes(uc.mem_read(DATA, 8), "little"), stops[0]


def test_stops_at_block_starts_never_rerun_an_instruction():
    n = 3000000
    uc = _engine(n)
    st = BlockStopper(uc._uch)
    assert st.install()
    total, stops = _run_with_stops(uc, st.arm, st.disarm)
    assert stops > 0
    assert total == n                    # every lock add took effect once


def test_disarmed_stopper_does_not_stop():
    uc = _engine(1000)
    st = BlockStopper(uc._uch)
    assert st.install()
    st.arm()
    assert st.disarm() and not st.disarm()
    uc.emu_start(CODE, END)
    assert uc.reg_read(X.UC_X86_REG_RIP) == END
    assert int.from_bytes(uc.mem_read(DATA, 8), "little") == 1000


def test_uc_emu_stop_from_another_thread_reruns_instructions():
    """Why the stopper exists: the engine's own stop is not exact (80% of
    such stops re-ran the lock add, measured; if a later unicorn makes it
    exact, this test says so)."""
    n = 5000000
    uc = _engine(n)
    total, stops = _run_with_stops(uc, uc.emu_stop)
    assert stops >= 30
    assert total > n
