"""Linux timerfd_create(2)/timerfd_settime(2) ABI.

Sources: linux/timerfd.h (glibc <sys/timerfd.h>), timerfd_create(2). The
timer value layout is struct itimerspec (lxpack.abi.time).

Leaf module: constants only, no host access.
"""
from .ioctl import _IOW

TFD_TIMER_ABSTIME = 1 << 0
TFD_TIMER_CANCEL_ON_SET = 1 << 1
TFD_CLOEXEC = 0o2000000         # O_CLOEXEC
TFD_NONBLOCK = 0o4000           # O_NONBLOCK
TFD_CREATE_FLAGS = TFD_CLOEXEC | TFD_NONBLOCK
TFD_SETTIME_FLAGS = TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET
TFD_IOC_SET_TICKS = _IOW("T", 0, 8)
