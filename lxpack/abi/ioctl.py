"""Linux ioctl request number encoding (x86-64 uses the generic layout).

Sources: asm-generic/ioctl.h, ioctl(2).

Leaf module: constants and pure functions only, no host access.
"""
_IOC_NRBITS = 8
_IOC_TYPEBITS = 8
_IOC_SIZEBITS = 14
_IOC_DIRBITS = 2
_IOC_NRSHIFT = 0
_IOC_TYPESHIFT = _IOC_NRSHIFT + _IOC_NRBITS
_IOC_SIZESHIFT = _IOC_TYPESHIFT + _IOC_TYPEBITS
_IOC_DIRSHIFT = _IOC_SIZESHIFT + _IOC_SIZEBITS
_IOC_NONE = 0
_IOC_WRITE = 1
_IOC_READ = 2


def _IOC(direction, type_, nr, size):
    if isinstance(type_, str):
        type_ = ord(type_)
    return ((direction << _IOC_DIRSHIFT) | (type_ << _IOC_TYPESHIFT)
            | (nr << _IOC_NRSHIFT) | (size << _IOC_SIZESHIFT))


def _IO(type_, nr):
    return _IOC(_IOC_NONE, type_, nr, 0)


def _IOR(type_, nr, size):
    return _IOC(_IOC_READ, type_, nr, size)


def _IOW(type_, nr, size):
    return _IOC(_IOC_WRITE, type_, nr, size)


def _IOWR(type_, nr, size):
    return _IOC(_IOC_READ | _IOC_WRITE, type_, nr, size)


def ioc_dir(req):
    return (req >> _IOC_DIRSHIFT) & ((1 << _IOC_DIRBITS) - 1)


def ioc_type(req):
    return (req >> _IOC_TYPESHIFT) & ((1 << _IOC_TYPEBITS) - 1)


def ioc_nr(req):
    return (req >> _IOC_NRSHIFT) & ((1 << _IOC_NRBITS) - 1)


def ioc_size(req):
    return (req >> _IOC_SIZESHIFT) & ((1 << _IOC_SIZEBITS) - 1)
