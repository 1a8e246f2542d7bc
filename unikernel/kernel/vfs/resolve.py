"""Path resolution: what a guest path names.

Owns the overlay rule of DESIGN.md: /proc, /sys (basics) and /dev (basics)
are served by the unikernel (procfs.py, sysfs.py, devfs.py) and never passed through;
with a bundle root, an absolute guest path is looked up in the root first
(symlinks inside the root are followed inside the root, as a chroot would)
and falls back to the host path; without one, host paths are used as they
are. Relative paths are relative to the host cwd / dirfd, which are real.

Foreign-host mode (foreign=True): a host path the bundle does not carry is
seen only if a Mac would have it (macview.py's table), so a bundle that
borrows the build machine's Linux files fails here as it would on a Mac.
Case-renamed entries (the manifest's case_renamed: names that a
case-insensitive disk could not hold apart, stored under an escaped name)
are found under their own names and listed so by getdents.
Travels inside bundles: Python 3.9.
"""
from lxpack.abi.fcntl import AT_FDCWD
from lxpack.abi.stat import S_IFLNK, S_IFMT
from lxpack.unikernel.errors import ELOOP, ENOENT, LinuxError
from lxpack.unikernel.kernel.vfs import devfs, macview, procfs, sysfs

_EMULATED_TOPS = (b"proc", b"sys", b"dev")


def normalize(path):
    """Collapse //, /./ and trailing / (not ..: symlinks decide what .. means)."""
    parts = [p for p in path.split(b"/") if p and p != b"."]
    return b"/" + b"/".join(parts)


class Resolved(object):
    """kind 'host': (dirfd, path) for the host; 'proc' / 'sys': parts under
    /proc or /sys, and fs, the module serving them (procfs or sysfs: lookup,
    link_name, inode); 'dev': path, a /dev name devfs serves."""
    __slots__ = ("kind", "dirfd", "path", "parts", "fs")

    def __init__(self, kind, dirfd=AT_FDCWD, path=b"", parts=(), fs=None):
        self.kind = kind
        self.dirfd = dirfd
        self.path = path
        self.parts = parts
        self.fs = fs


class Vfs(object):
    def __init__(self, host, root=None, foreign=False, case_renamed=None):
        self.host = host
        # callable(fd) -> the guest path of an emulated directory open on fd,
        # or None (set by the Kernel: paths relative to such a fd resolve here)
        self.emulated_dir = None
        self.root = root.rstrip(b"/") if root else None   # host path of the bundle root, bytes
        self.foreign = bool(foreign and self.root)        # only what a Mac has outside the root
        # guest path -> stored guest path, and per stored directory the
        # stored name -> guest name (for listings)
        self.renamed = {}
        self.listing_names = {}
        for guest, stored in (case_renamed or {}).items():
            g, s = _b(guest), _b(stored)
            self.renamed[g] = s.rpartition(b"/")[2]
            d, _, name = s.rpartition(b"/")
            self.listing_names.setdefault(d, {})[name] = g.rpartition(b"/")[2]

    def resolve(self, dirfd, path, follow=True):
        if not path.startswith(b"/"):
            if dirfd >= 0 and self.emulated_dir is not None:
                base = self.emulated_dir(dirfd)   # an open /proc or /sys directory
                if base is not None:
                    return self.resolve(AT_FDCWD, base + b"/" + path, follow)
            return Resolved("host", dirfd, path)
        top = path[1:].split(b"/", 1)[0]
        if top in _EMULATED_TOPS:
            n = normalize(path)
            if top == b"proc":
                return Resolved("proc", parts=tuple(n.split(b"/")[2:]), fs=procfs)
            if top == b"sys":
                if n != b"/sys":            # /sys itself is the host's
                    return Resolved("sys", parts=tuple(n.split(b"/")[2:]), fs=sysfs)
            elif devfs.served(n):
                return Resolved("dev", path=n)
            else:
                hp = devfs.host_path(self.host, n)
                if hp is not None:
                    return Resolved("host", AT_FDCWD, hp)
        if self.root is not None:
            return Resolved("host", AT_FDCWD, self._overlay(path, follow))
        return Resolved("host", AT_FDCWD, path)

    def guest_path(self, host_path):
        """What the guest calls a host path: the bundle root's own prefix
        left out (the root itself is "/"); other host paths as they are."""
        root = self.root
        if root and (host_path == root or host_path.startswith(root + b"/")):
            inner = host_path[len(root):]
            if self.listing_names and inner:
                return self._guest_of(inner[1:].split(b"/"))
            return inner or b"/"
        return host_path

    def host_path(self, path):
        """The host path for an absolute guest path (no /proc handling)."""
        if self.root is not None and path.startswith(b"/"):
            return self._overlay(path, True)
        return path

    def _overlay(self, path, follow):
        """root+path if it exists in the root (following symlinks inside the
        root), else the host path."""
        host = self.host
        parts = [p for p in path.split(b"/") if p and p != b"."]
        done = []
        hops = 0
        i = 0
        renamed = self.renamed
        while i < len(parts):
            p = parts[i]
            if p == b"..":
                if done:
                    done.pop()
                i += 1
                continue
            if renamed:
                p = renamed.get(self._guest_of(done) + b"/" + p, p)
            cand = self.root + b"/" + b"/".join(done + [p])
            try:
                st = host.stat(AT_FDCWD, cand, follow=False)
            except LinuxError:
                hp = b"/" + b"/".join(done + parts[i:])      # not in the bundle: the host's
                if self.foreign and not macview.visible_on_mac(hp):
                    raise ENOENT()
                return hp
            last = i == len(parts) - 1
            if (st.st_mode & S_IFMT) == S_IFLNK and (follow or not last):
                hops += 1
                if hops > 40:
                    raise ELOOP()
                target = host.readlink(AT_FDCWD, cand)
                rest = parts[i + 1:]
                tparts = [x for x in target.split(b"/") if x and x != b"."]
                if target.startswith(b"/"):
                    parts = tparts + rest
                    done = []
                else:
                    parts = done + tparts + rest
                    done = []
                i = 0
                continue
            done.append(p)
            i += 1
        return self.root + b"/" + b"/".join(done)

    def _guest_of(self, stored_parts):
        """The guest path of a stored directory (its renamed parts undone)."""
        out = sp = b""
        for q in stored_parts:
            names = self.listing_names.get(sp)
            out += b"/" + (names.get(q, q) if names else q)
            sp += b"/" + q
        return out

    def listing(self, host_dir, entries):
        """getdents of a bundle directory: stored names back to guest names."""
        root = self.root
        if not self.listing_names or not root or not host_dir.startswith(root + b"/"):
            return entries
        names = self.listing_names.get(host_dir[len(root):])
        if not names:
            return entries
        return [(names.get(e[0], e[0]),) + tuple(e[1:]) for e in entries]


def _b(s):
    return s if isinstance(s, bytes) else s.encode("utf-8", "surrogateescape")
