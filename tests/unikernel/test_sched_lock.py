"""The engine lock of threads sharing one engine (unikernel/kernel/sched.py
CpuLock): a woken thread queues ahead of a thread preempted less than a
time slice ago and has the holder nudged once it ran MIN_RUN; a thread
preempted longer ago keeps its turn. Real host threads, no VM."""
import threading
import time

from lxpack.unikernel.kernel.sched import MIN_RUN, TIME_SLICE, CpuLock


def _until(cond, timeout=5.0):
    end = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.001)


def _queue(lock, order, task, nudge):
    def take():
        lock.acquire(task, nudge)
        order.append(task)
        lock.release(task)
    th = threading.Thread(target=take, daemon=True)
    th.start()
    _until(lambda: lock.waiting(task))
    return th


def test_woken_thread_goes_first_and_nudges_the_holder():
    holder, preempted, woken = "holder", "preempted", "woken"
    lock = CpuLock(holder)
    order, nudged = [], []
    t1 = _queue(lock, order, preempted, None)
    t2 = _queue(lock, order, woken, nudged.append)
    _until(lambda: nudged == [holder])           # once, after the holder ran MIN_RUN
    time.sleep(MIN_RUN * 3)
    assert nudged == [holder]
    lock.release(holder)
    t1.join(5)
    t2.join(5)
    assert order == [woken, preempted]


def test_thread_preempted_a_slice_ago_keeps_its_turn():
    holder, preempted, woken = "holder", "preempted", "woken"
    lock = CpuLock(holder)
    order = []
    t1 = _queue(lock, order, preempted, None)
    time.sleep(TIME_SLICE * 2)
    t2 = _queue(lock, order, woken, lambda owner: None)
    lock.release(holder)
    t1.join(5)
    t2.join(5)
    assert order == [preempted, woken]
