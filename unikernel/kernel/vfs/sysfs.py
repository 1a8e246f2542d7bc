"""The emulated /sys basics (DESIGN: never passed through; macOS has no
/sys): /sys/devices/system/cpu/{online,possible,present}.

Owns: the /sys node table, its lookup, what an open /sys directory is
called (link_name) and /sys inode numbers. The node kinds are nodes.py's.
/sys itself (the top directory) is the host's, as before: resolve.py only
serves paths below it.
Travels inside bundles: Python 3.9.
"""
from lxpack.unikernel.kernel.vfs.nodes import file, path_inode, walk


def _cpu_range(t):
    return ("0-%d\n" % (t.host.cpu_count() - 1)).encode() if t.host.cpu_count() > 1 else b"0\n"


_SYS = {
    b"devices": ("dir", {b"system": ("dir", {b"cpu": ("dir", {
        b"online": file(_cpu_range), b"possible": file(_cpu_range), b"present": file(_cpu_range)})})}),
}


def lookup(t, parts):
    """The Node for /sys/<parts...>."""
    return walk(t, ("dir", _SYS), parts)


def link_name(t, parts):
    """What /proc/self/fd/N shows for an open /sys directory."""
    return b"/sys" + b"".join(b"/" + x for x in parts)


def inode(parts):
    """The inode number stat gives /sys/<parts...> (see nodes.path_inode)."""
    return path_inode(b"/sys", parts)
