"""Linux eventfd(2) ABI.

Sources: linux/eventfd.h (kernel-internal; glibc <sys/eventfd.h>), eventfd(2).

Leaf module: constants only, no host access.
"""
EFD_SEMAPHORE = 1
EFD_CLOEXEC = 0o2000000         # O_CLOEXEC
EFD_NONBLOCK = 0o4000           # O_NONBLOCK
EFD_FLAGS_SET = EFD_SEMAPHORE | EFD_CLOEXEC | EFD_NONBLOCK
EVENTFD_MAX = 0xFFFFFFFFFFFFFFFE    # the counter's largest value (ULLONG_MAX - 1)
