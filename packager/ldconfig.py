"""What /etc/ld.so.cache (or, without one, /etc/ld.so.conf) says.

Owns: parsing glibc's cache file -- the "glibc-ld.so.cache1.1" format,
alone or after an old "ld.so-1.7.0" table -- into name -> path for x86-64
(flags FLAG_ELF_LIBC6 | FLAG_X8664_LIB64), keeping the first entry per name
in file order as _dl_load_cache_lookup does. Entries for glibc-hwcaps or
legacy hwcap subdirectories are left out on purpose: a bundle must run on
any x86-64 CPU, so the baseline library is the one packed.

When the cache is missing or unreadable, the directories of /etc/ld.so.conf
(with `include` globs, relative to the including file) stand in for it and
a name is looked up in them in order, as ldconfig would have recorded it.

Imports nothing from lxpack: pure file parsing.
"""
from __future__ import annotations

import glob
import os
import struct
from dataclasses import dataclass, field

OLD_MAGIC = b"ld.so-1.7.0"
NEW_MAGIC = b"glibc-ld.so.cache"
NEW_VERSION = b"1.1"
FLAG_X86_64_LIBC6 = 0x0303  # FLAG_ELF_LIBC6 | FLAG_X8664_LIB64
_NEW_HEADER = struct.Struct("<17s3sIIB3xI12x")  # magic, version, nlibs, len_strings, flags, ext_off
_NEW_ENTRY = struct.Struct("<iIIIQ")  # flags, key, value, osversion, hwcap
_OLD_ENTRY_SIZE = 12


class CacheFormatError(ValueError):
    """The file is not a cache this parser understands."""


def parse_cache(data: bytes) -> dict[str, str]:
    """name -> path for x86-64 libraries in an ld.so.cache image."""
    base = 0
    if data.startswith(OLD_MAGIC):
        (nlibs,) = struct.unpack_from("<I", data, 12)
        base = 16 + nlibs * _OLD_ENTRY_SIZE
        base = (base + 7) & ~7  # the new table is aligned like struct cache_file_new
    if data[base:base + len(NEW_MAGIC)] != NEW_MAGIC:
        raise CacheFormatError("no glibc-ld.so.cache1.1 table")
    magic, version, nlibs, _len_strings, _flags, _ext = _NEW_HEADER.unpack_from(data, base)
    if version != NEW_VERSION:
        raise CacheFormatError("unsupported cache version %r" % version)
    out: dict[str, str] = {}
    off = base + _NEW_HEADER.size
    for i in range(nlibs):
        flags, key, value, _osv, hwcap = _NEW_ENTRY.unpack_from(data, off + i * _NEW_ENTRY.size)
        if flags != FLAG_X86_64_LIBC6 or hwcap != 0:
            continue
        name = _cstr(data, base + key)
        if name not in out:
            out[name] = _cstr(data, base + value)
    return out


def _cstr(data: bytes, off: int) -> str:
    end = data.index(b"\0", off)
    return os.fsdecode(data[off:end])


def parse_conf(path: str, _seen: set[str] | None = None) -> list[str]:
    """The library directories listed by an ld.so.conf file, includes expanded."""
    seen = _seen if _seen is not None else set()
    real = os.path.realpath(path)
    if real in seen:
        return []
    seen.add(real)
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return []
    dirs: list[str] = []
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        word, _, rest = line.partition(" ")
        if word == "include":
            for pattern in rest.split():
                if not os.path.isabs(pattern):
                    pattern = os.path.join(os.path.dirname(path), pattern)
                for inc in sorted(glob.glob(pattern)):
                    dirs.extend(parse_conf(inc, seen))
        elif word == "hwcap":
            continue
        else:
            for d in line.replace(",", " ").replace("\t", " ").split():
                d = d.split("=", 1)[0]  # old "dir=libc5" type suffix
                d = d.rstrip("/") or "/"
                if d not in dirs:
                    dirs.append(d)
    return dirs


@dataclass
class LdConfig:
    """The ld.so.cache view of the system, or the ld.so.conf fallback."""

    source: str  # "ld.so.cache" or "ld.so.conf" or "none"
    entries: dict[str, str] = field(default_factory=dict)
    conf_dirs: list[str] = field(default_factory=list)

    def lookup(self, name: str) -> list[str]:
        """Candidate paths for a library name, best first."""
        if self.source == "ld.so.cache":
            hit = self.entries.get(name)
            return [hit] if hit else []
        return [os.path.join(d, name) for d in self.conf_dirs]


def load(cache_path: str = "/etc/ld.so.cache", conf_path: str = "/etc/ld.so.conf") -> LdConfig:
    """Read the system's cache, falling back to its ld.so.conf."""
    try:
        with open(cache_path, "rb") as f:
            return LdConfig("ld.so.cache", parse_cache(f.read()))
    except (OSError, CacheFormatError, struct.error, ValueError):
        pass
    if os.path.exists(conf_path):
        return LdConfig("ld.so.conf", conf_dirs=parse_conf(conf_path))
    return LdConfig("none")
