"""Data rules: run-time files a program opens because of what it links.

Owns: deciding from the resolved closure (sonames and imported symbols)
which host data to pack — glibc's C.utf8 locale (or every locale with
--with-locales), glibc's gconv modules, the zoneinfo database, terminfo
for ncurses programs and CA certificates for TLS libraries.

Paths here are hard-coded where the library compiles them in and offers
no way to ask (glibc's /usr/lib/locale and /usr/share/zoneinfo; ncurses'
terminfo dirs when `infocmp -D` is missing; the CA bundle locations of
Debian and Fedora); the gconv directory is taken from where libc lives.
"""
from __future__ import annotations

import os
import re
import shutil

from lxpack.packager import _lief
from lxpack.packager.knowledge import FILE, TREE, Extra
from lxpack.packager.knowledge._ask import ask, lines

# glibc's compiled-in locale directory (complocaledir); `localedef --help`
# prints it but localedef is not always installed.
LOCALE_DIR = "/usr/lib/locale"
# glibc's default TZDIR (also what Python's zoneinfo module searches).
ZONEINFO = "/usr/share/zoneinfo"
TZ_SYMBOLS = frozenset(("tzset", "localtime", "localtime_r", "mktime", "strftime"))
ICONV_SYMBOLS = frozenset(("iconv_open",))
# ncurses' default search list (Debian: /etc/terminfo, /lib/terminfo,
# /usr/share/terminfo) when `infocmp -D` cannot be asked.
TERMINFO_DIRS = ("/etc/terminfo", "/lib/terminfo", "/usr/share/terminfo")
TLS_LIBS = ("libssl.so", "libcrypto.so", "libgnutls.so")
# The CA bundle OpenSSL and GnuTLS are built to read: Debian/Ubuntu, then Fedora/RHEL.
CA_FILES = ("/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt")
OPENSSL_DIRS = ("/usr/lib/ssl", "/etc/pki/tls")


def _libc(closure):
    for o in closure.objects:
        if o.info.soname == "libc.so.6":
            return o
    return None


def _imports_any(closure, names: frozenset) -> bool:
    return any(names & _lief.imported_symbols(o.path) for o in closure.objects)


def _sonames(closure) -> list[str]:
    return [o.info.soname or os.path.basename(o.path) for o in closure.objects]


def locale(closure, opts) -> list[Extra]:
    """glibc programs: the C.utf8 locale (what Python's and many programs'
    UTF-8 coercion asks for); --with-locales: every compiled locale (the
    locale-archive and its directories), for LANG=xx_YY.UTF-8 to work."""
    if _libc(closure) is None:
        return []
    if opts.all_locales:
        return [Extra(LOCALE_DIR, "locale: every compiled locale (--with-locales)", TREE)]
    out = []
    for name in ("C.utf8", "C.UTF-8"):
        p = os.path.join(LOCALE_DIR, name)
        if os.path.isdir(p):
            out.append(Extra(p, "locale: glibc C.UTF-8 locale", TREE))
    return out


def gconv(closure, opts) -> list[Extra]:
    """Programs that import iconv_open: glibc's gconv modules, the gconv
    directory beside the libc in the closure."""
    libc = _libc(closure)
    if libc is None or not _imports_any(closure, ICONV_SYMBOLS):
        return []
    d = os.path.join(os.path.dirname(os.path.realpath(libc.path)), "gconv")
    return [Extra(d, "gconv: iconv_open is imported (glibc's iconv modules)", TREE)] \
        if os.path.isdir(d) else []


def zoneinfo(closure, opts) -> list[Extra]:
    """Programs that import tzset/localtime/mktime/strftime: the zoneinfo
    database, for TZ=Area/City (the host's own /etc/localtime is not packed:
    the user's time zone is the host's)."""
    if _libc(closure) is None or not _imports_any(closure, TZ_SYMBOLS):
        return []
    return [Extra(ZONEINFO, "zoneinfo: local time functions are imported", TREE)]


def terminfo(closure, opts) -> list[Extra]:
    """ncurses programs (libtinfo or libncurses in the closure): the terminfo
    directories ncurses searches (`infocmp -D`, else its default list)."""
    if not any(s.startswith(("libtinfo", "libncurses")) for s in _sonames(closure)):
        return []
    dirs = [d for d in lines(ask(["infocmp", "-D"])) if os.path.isabs(d)] \
        if shutil.which("infocmp") else []
    return [Extra(d, "terminfo: ncurses is linked", TREE) for d in (dirs or TERMINFO_DIRS)
            if os.path.isdir(d)]


def certs(closure, opts) -> list[Extra]:
    """TLS programs (libssl, libcrypto or libgnutls in the closure): the CA
    bundle and OpenSSL's directory (openssl.cnf, certs/ hash links)."""
    if not any(s.startswith(TLS_LIBS) for s in _sonames(closure)):
        return []
    out = [Extra(p, "certs: a TLS library is linked (CA bundle)", FILE) for p in CA_FILES
           if os.path.exists(p)]
    ssl_dir = None
    if shutil.which("openssl"):
        text = ask(["openssl", "version", "-d"]) or ""
        if text.startswith("OPENSSLDIR:"):
            ssl_dir = text.split(":", 1)[1].strip().strip('"')
    for d in ([ssl_dir] if ssl_dir else []) + list(OPENSSL_DIRS):
        if d and os.path.isdir(d):
            out.append(Extra(d, "certs: OpenSSL directory (OPENSSLDIR)", TREE))
            break
    return out


FONTCONFIG_DIR = "/etc/fonts"
X11_LOCALE = "/usr/share/X11/locale"
_FONT_DIR = re.compile(r"<dir(?:\s[^>]*)?>\s*([^<]+?)\s*</dir>")


def fonts(closure, opts) -> list[Extra]:
    """fontconfig users (libfontconfig in the closure: Tk, GTK, Java AWT...):
    its configuration and the absolute font directories it names (<dir> in
    fonts.conf and conf.d; the user's ~/.fonts and XDG dirs stay the
    user's); Xlib users also get its locale database (XOpenIM, compose)."""
    names = _sonames(closure)
    out = []
    if any(s.startswith("libfontconfig") for s in names) and os.path.isdir(FONTCONFIG_DIR):
        out.append(Extra(FONTCONFIG_DIR, "fonts: fontconfig is linked (its configuration)", TREE))
        dirs = set()
        for root, _, files in os.walk(FONTCONFIG_DIR):
            for f in files:
                if f.endswith(".conf"):
                    try:
                        with open(os.path.join(root, f), errors="replace") as fh:
                            dirs.update(m.group(1) for m in _FONT_DIR.finditer(fh.read()))
                    except OSError:
                        pass
        out += [Extra(d, "fonts: a font directory fonts.conf names", TREE) for d in sorted(dirs)
                if d.startswith("/") and os.path.isdir(d)]
    if any(s.startswith("libX11.so") for s in names) and os.path.isdir(X11_LOCALE):
        out.append(Extra(X11_LOCALE, "fonts: Xlib is linked (its locale database)", TREE))
    return out


def libgcc_s(closure, opts) -> list[Extra]:
    """glibc dlopens libgcc_s.so.1 to unwind a thread that exits or is
    cancelled (pthread_exit, and Tk's notifier thread at exit): without it
    the program aborts ("libgcc_s.so.1 must be installed for pthread_exit
    to work"). Packed from libc's own directory when the closure has glibc
    and a thread library user (it is small)."""
    libc = _libc(closure)
    if libc is None or "libgcc_s.so.1" in _sonames(closure):
        return []
    if not _imports_any(closure, frozenset(("pthread_create", "pthread_exit", "pthread_cancel"))):
        return []
    path = os.path.join(os.path.dirname(libc.path), "libgcc_s.so.1")
    return [Extra(path, "libgcc_s: glibc loads it to unwind exiting threads", FILE)] if os.path.exists(path) else []

