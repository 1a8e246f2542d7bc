"""What a macOS host has at the paths a Linux program names: the one table
behind the foreign-host mode (`lxpack run --foreign-host`,
LXPACK_FOREIGN_HOST=1), in which a Linux machine shows a bundle only what a
Mac would, so a file the bundle lacks fails here instead of on a user's Mac.

Owns: the hidden prefixes (the Linux system tree: a Mac has no Linux files
there, even where it has a directory of the same name), the exceptions a
Mac does have (a few /etc files, /var/tmp, its own programs in /bin and
/usr/bin, which the guest would run as host programs), and the two
questions asked of them: visible_on_mac(path) and runs_on_host(path).

Everything not under a hidden prefix stays visible: the user's files
(/Users, /home, /root, a checkout in /work...), /tmp, /private, /dev,
/Volumes. The directories themselves (/usr, /etc, /bin...) exist on a Mac,
so they stay visible; their Linux entries do not.
Who may import this: unikernel/kernel/vfs/resolve.py, unikernel/kernel/execve.py,
the packer (to tell which traced paths a bundle must carry).
Travels inside bundles: Python 3.9.
"""

# Linux system trees: nothing under them exists on a Mac (macOS's own
# /usr/lib, /usr/share, /usr/libexec hold other files: treated as empty).
HIDDEN_PREFIXES = (
    b"/bin", b"/sbin", b"/lib", b"/lib32", b"/lib64", b"/libx32",
    b"/usr", b"/etc", b"/opt", b"/var", b"/snap", b"/srv", b"/boot", b"/run",
    b"/nix", b"/gnu",
)

# Files a Mac has under the hidden trees (macOS 13-15; /etc is /private/etc).
# Not listed on purpose: /etc/nsswitch.conf, /etc/ld.so.*, /etc/alternatives,
# /etc/ssl/certs (a Mac has only /etc/ssl/cert.pem), /etc/localtime's Linux
# target tree (on a Mac it points into /var/db/timezone, read on the host).
MAC_FILES = frozenset((
    b"/etc/hosts", b"/etc/resolv.conf", b"/etc/passwd", b"/etc/group", b"/etc/services",
    b"/etc/protocols", b"/etc/shells", b"/etc/localtime", b"/etc/networks", b"/etc/ssl/cert.pem",
    b"/etc/paths", b"/etc/profile", b"/etc/bashrc", b"/etc/zshrc",
))
MAC_TREES = (b"/var/tmp", b"/var/folders", b"/var/run/resolv.conf")

# Programs every Mac has in /bin and /usr/bin (and /usr/sbin), without the
# Command Line Tools: the Xcode stubs (cc, gcc, make, git, python3, ld, as...)
# are left out, since they only open an install dialog on a bare Mac.
MAC_BIN = frozenset((
    b"[", b"bash", b"cat", b"chmod", b"cp", b"csh", b"dash", b"date", b"dd", b"df", b"echo", b"ed",
    b"expr", b"hostname", b"kill", b"ksh", b"link", b"ln", b"ls", b"mkdir", b"mv", b"pax", b"ps", b"pwd",
    b"realpath", b"rm", b"rmdir", b"sh", b"sleep", b"stty", b"sync", b"tcsh", b"test", b"unlink", b"zsh",
))
MAC_USR_BIN = frozenset((
    b"awk", b"base64", b"basename", b"bc", b"bzip2", b"cmp", b"comm", b"curl", b"cut", b"diff", b"dirname",
    b"du", b"env", b"false", b"file", b"find", b"fold", b"grep", b"egrep", b"fgrep", b"gunzip", b"gzip",
    b"head", b"hexdump", b"iconv", b"id", b"install", b"join", b"less", b"lsof", b"mktemp", b"more",
    b"nice", b"nohup", b"od", b"open", b"paste", b"perl", b"pgrep", b"pkill", b"printf", b"readlink",
    b"renice", b"rsync", b"scp", b"script", b"sed", b"seq", b"sftp", b"shasum", b"sort", b"split",
    b"ssh", b"stat", b"strings", b"sum", b"tail", b"tar", b"tee", b"time", b"touch", b"tput", b"tr",
    b"true", b"tty", b"uname", b"uniq", b"unzip", b"uptime", b"vi", b"vim", b"wc", b"which", b"whoami",
    b"xargs", b"xxd", b"yes", b"zcat", b"zip", b"clear", b"killall", b"logger", b"top", b"w", b"who",
))
MAC_USR_SBIN = frozenset((b"chown", b"sysctl", b"ifconfig", b"lsof"))
_MAC_PROGRAM_DIRS = {b"/bin": MAC_BIN, b"/sbin": frozenset((b"ping", b"mount", b"ifconfig")),
                     b"/usr/bin": MAC_USR_BIN, b"/usr/sbin": MAC_USR_SBIN}


def normalize(path):
    """Collapse //, /./ and .. lexically (enough to classify a path)."""
    out = []
    for p in path.split(b"/"):
        if not p or p == b".":
            continue
        if p == b"..":
            if out:
                out.pop()
            continue
        out.append(p)
    return b"/" + b"/".join(out)


def _under(path, prefix):
    return path == prefix or path.startswith(prefix + b"/")


def visible_on_mac(path):
    """Whether a Mac has something at the absolute path (bytes)."""
    if isinstance(path, str):
        path = path.encode("utf-8", "surrogateescape")
    path = normalize(path)
    for pre in HIDDEN_PREFIXES:
        if _under(path, pre):
            break
    else:
        return True
    if path in HIDDEN_PREFIXES or path in MAC_FILES or path in _MAC_PROGRAM_DIRS:
        return True           # the directory exists (its Linux entries do not)
    for t in MAC_TREES:
        if _under(path, t):
            return True
    d, _, name = path.rpartition(b"/")
    names = _MAC_PROGRAM_DIRS.get(d)
    return names is not None and name in names


def runs_on_host(path):
    """A visible host program outside the bundle: on a Mac it is a Mach-O
    the host runs (host-native exec), so the foreign-host mode runs it so."""
    path = normalize(path)
    d, _, name = path.rpartition(b"/")
    names = _MAC_PROGRAM_DIRS.get(d)
    return names is not None and name in names


def case_clashes(paths):
    """Pairs of paths (str) in one directory that differ only in case."""
    seen = {}
    out = []
    for p in sorted(paths):
        d, _, name = p.rpartition("/")
        key = (d.lower(), name.lower())
        other = seen.get(key)
        if other is not None and other != p:
            out.append((other, p))
        else:
            seen[key] = p
    return out
