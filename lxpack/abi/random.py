"""Linux getrandom(2) flags and /dev/random ioctls.

Sources: linux/random.h, getrandom(2).

Leaf module: constants only, no host access.
"""
GRND_NONBLOCK = 0x0001
GRND_RANDOM = 0x0002
GRND_INSECURE = 0x0004
GRND_FLAGS = GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE
