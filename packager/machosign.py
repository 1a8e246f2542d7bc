"""Mach-O code signatures: read, verify and write ad-hoc ones with entitlements.

Owns: the parts of the Mach-O format a signature touches (the 64-bit header,
LC_SEGMENT_64, LC_CODE_SIGNATURE, the LC_*_DYLIB names; thin files, and fat
ones for reading), and Apple's code-signature format: a SuperBlob (magic
0xfade0cc0) indexing a CodeDirectory (0xfade0c02: identifier, flags, the
special-slot hashes of the other blobs, one SHA-256 per 4 KiB page of the file
up to the signature), an empty Requirements set (0xfade0c01), the
entitlements as an XML plist (0xfade7171) and as DER (0xfade7172, which
macOS 12+ checks), and the empty CMS wrapper (0xfade0b01) that ad-hoc
signatures carry instead of a certificate chain.

Why here and not a library: signing must happen at pack time on Linux (a
Mac needs the Command Line Tools to re-sign); the one PyPI package that
does it (apple-platform-py, rcodesign's implementation) was a 0.1.0
release with a 29 MB native library and Linux x86-64 wheels only. Ad-hoc
signing needs none of the certificate machinery, so this is a few hundred
lines of struct packing, written from Apple's published headers
(cs_blobs.h, loader.h) and checked against them by tests
(tests/packager/test_macho_sign.py).

sign() writes a new file and renames it over the old one: macOS caches a
signature per vnode, and rewriting a signed file in place gets the process
killed (code signature invalid) until the inode changes.

Imports: nothing of lxpack but errors (the doctor uses it too).
"""
from __future__ import annotations

import hashlib
import os
import plistlib
import struct
from dataclasses import dataclass, field

from lxpack.errors import PackError

MH_MAGIC_64 = 0xFEEDFACF
FAT_MAGIC = 0xCAFEBABE
FAT_MAGIC_64 = 0xCAFEBABF
MH_EXECUTE = 0x2
CPU_X86_64 = 0x01000007
CPU_ARM64 = 0x0100000C
ARCH_NAMES = {CPU_X86_64: "x86_64", CPU_ARM64: "arm64"}

LC_SEGMENT_64 = 0x19
LC_CODE_SIGNATURE = 0x1D
LC_LOAD_DYLIB = 0xC
LC_LOAD_WEAK_DYLIB = 0x80000018
LC_REEXPORT_DYLIB = 0x8000001F
LC_LOAD_UPWARD_DYLIB = 0x80000023

CSMAGIC_EMBEDDED_SIGNATURE = 0xFADE0CC0
CSMAGIC_CODEDIRECTORY = 0xFADE0C02
CSMAGIC_REQUIREMENTS = 0xFADE0C01
CSMAGIC_EMBEDDED_ENTITLEMENTS = 0xFADE7171
CSMAGIC_EMBEDDED_DER_ENTITLEMENTS = 0xFADE7172
CSMAGIC_BLOBWRAPPER = 0xFADE0B01
CSSLOT_CODEDIRECTORY = 0
CSSLOT_REQUIREMENTS = 2
CSSLOT_ENTITLEMENTS = 5
CSSLOT_DER_ENTITLEMENTS = 7
CSSLOT_ALTERNATE_CODEDIRECTORIES = 0x1000
CSSLOT_SIGNATURESLOT = 0x10000
CS_ADHOC = 0x2
CS_RUNTIME = 0x10000
CS_LINKER_SIGNED = 0x20000
CS_EXECSEG_MAIN_BINARY = 0x1
CS_HASHTYPE_SHA1 = 1
CS_HASHTYPE_SHA256 = 2
CD_VERSION = 0x20400  # with the executable-segment fields
CD_HEADER = 88
PAGE_SHIFT = 12  # code signatures hash 4 KiB pages on both architectures
N_SPECIAL = 7  # slots -1..-7: Info.plist, requirements, resources, app, entitlements, -, DER

HYPERVISOR = "com.apple.security.hypervisor"
_HASHES = {CS_HASHTYPE_SHA1: hashlib.sha1, CS_HASHTYPE_SHA256: hashlib.sha256}


class MachOError(PackError):
    """Not a Mach-O this module can handle, or a malformed one."""


@dataclass
class Segment:
    name: str
    cmd_offset: int  # where its load command starts in the file
    vmaddr: int
    vmsize: int
    fileoff: int
    filesize: int
    section_offsets: list[int] = field(default_factory=list)


@dataclass
class Slice:
    """One architecture of a Mach-O file: its offset and length in the file."""

    offset: int
    size: int
    cputype: int
    filetype: int
    ncmds: int
    sizeofcmds: int
    segments: list[Segment]
    sig_cmd_offset: int | None  # file offset of LC_CODE_SIGNATURE (relative to the slice)
    sig_offset: int | None
    sig_size: int | None
    dylibs: list[str]

    @property
    def arch(self) -> str:
        return ARCH_NAMES.get(self.cputype, "cpu %#x" % self.cputype)

    def segment(self, name: str) -> Segment | None:
        for s in self.segments:
            if s.name == name:
                return s
        return None


@dataclass
class Signature:
    """What a slice's signature says and whether it holds."""

    arch: str
    signed: bool
    identifier: str | None = None
    flags: int = 0
    hash_type: int = 0
    code_limit: int = 0
    entitlements: dict | None = None  # from the XML blob
    der_entitlements: dict | None = None  # decoded from the DER blob
    problems: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return self.signed and not self.problems

    @property
    def kind(self) -> str:
        if not self.signed:
            return "unsigned"
        if self.flags & CS_LINKER_SIGNED:
            return "ad-hoc (linker)"
        return "ad-hoc" if self.flags & CS_ADHOC else "certificate"


# ---------------------------------------------------------------- parsing

def is_macho(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError:
        return False
    if len(head) < 8:
        return False
    if struct.unpack_from("<I", head)[0] == MH_MAGIC_64:
        return True
    # 0xcafebabe is also a Java class file's magic: a fat header has few slices.
    return struct.unpack_from(">I", head)[0] in (FAT_MAGIC, FAT_MAGIC_64) and 0 < struct.unpack_from(">I", head, 4)[0] < 20


def slices(data: bytes) -> list[Slice]:
    """The thin slices of a Mach-O file (one for a thin file)."""
    if len(data) < 8:
        raise MachOError("too short for a Mach-O file")
    if struct.unpack_from(">I", data)[0] in (FAT_MAGIC, FAT_MAGIC_64):
        wide = struct.unpack_from(">I", data)[0] == FAT_MAGIC_64
        n = struct.unpack_from(">I", data, 4)[0]
        out = []
        for i in range(n):
            if wide:
                _cpu, _sub, off, size, _al, _r = struct.unpack_from(">IIQQII", data, 8 + 32 * i)
            else:
                _cpu, _sub, off, size, _al = struct.unpack_from(">IIIII", data, 8 + 20 * i)
            out.append(parse_slice(data, off, size))
        return out
    return [parse_slice(data, 0, len(data))]


def parse_slice(data: bytes, base: int, size: int) -> Slice:
    magic, cputype, _sub, filetype, ncmds, sizeofcmds, _flags, _res = struct.unpack_from("<8I", data, base)
    if magic != MH_MAGIC_64:
        raise MachOError("not a 64-bit little-endian Mach-O (magic %#x)" % magic)
    segments, dylibs = [], []
    sig_cmd = sig_off = sig_size = None
    off = 32
    for _ in range(ncmds):
        cmd, cmdsize = struct.unpack_from("<II", data, base + off)
        if cmdsize < 8 or off + cmdsize > 32 + sizeofcmds:
            raise MachOError("malformed load command at %#x" % off)
        if cmd == LC_SEGMENT_64:
            name = data[base + off + 8:base + off + 24].rstrip(b"\0").decode("ascii", "replace")
            vmaddr, vmsize, fileoff, filesize, _mp, _ip, nsects, _fl = struct.unpack_from(
                "<4Q4I", data, base + off + 24)
            seg = Segment(name, off, vmaddr, vmsize, fileoff, filesize)
            for i in range(nsects):
                s = base + off + 72 + 80 * i
                sect_off = struct.unpack_from("<I", data, s + 48)[0]
                if sect_off:
                    seg.section_offsets.append(sect_off)
            segments.append(seg)
        elif cmd == LC_CODE_SIGNATURE:
            sig_cmd = off
            sig_off, sig_size = struct.unpack_from("<II", data, base + off + 8)
        elif cmd in (LC_LOAD_DYLIB, LC_LOAD_WEAK_DYLIB, LC_REEXPORT_DYLIB, LC_LOAD_UPWARD_DYLIB):
            name_off = struct.unpack_from("<I", data, base + off + 8)[0]
            raw = data[base + off + name_off:base + off + cmdsize]
            dylibs.append(raw.split(b"\0", 1)[0].decode("utf-8", "replace"))
        off += cmdsize
    return Slice(base, size, cputype, filetype, ncmds, sizeofcmds, segments, sig_cmd, sig_off, sig_size,
                 dylibs)


def read_signatures(path: str) -> list[Signature]:
    """One Signature per slice of the Mach-O at path."""
    with open(path, "rb") as f:
        data = f.read()
    return [verify_slice(data, s) for s in slices(data)]


def verify_slice(data: bytes, sl: Slice) -> Signature:
    sig = Signature(sl.arch, signed=sl.sig_offset is not None)
    if not sig.signed:
        return sig
    blob = data[sl.offset + sl.sig_offset:sl.offset + sl.sig_offset + sl.sig_size]
    try:
        _check_superblob(data[sl.offset:sl.offset + sl.size], blob, sl, sig)
    except (struct.error, ValueError, IndexError) as e:
        sig.problems.append("malformed signature: %s" % e)
    return sig


def _check_superblob(macho: bytes, blob: bytes, sl: Slice, sig: Signature) -> None:
    magic, length, count = struct.unpack_from(">III", blob)
    if magic != CSMAGIC_EMBEDDED_SIGNATURE:
        sig.problems.append("signature magic %#x is not an embedded signature" % magic)
        return
    slots = {}
    for i in range(count):
        typ, off = struct.unpack_from(">II", blob, 12 + 8 * i)
        b_magic, b_len = struct.unpack_from(">II", blob, off)
        slots[typ] = blob[off:off + b_len]
    cds = [slots[t] for t in sorted(slots) if t == CSSLOT_CODEDIRECTORY
           or CSSLOT_ALTERNATE_CODEDIRECTORIES <= t < CSSLOT_ALTERNATE_CODEDIRECTORIES + 5]
    if not cds:
        sig.problems.append("no CodeDirectory")
        return
    if CSSLOT_ENTITLEMENTS in slots:
        sig.entitlements = plistlib.loads(slots[CSSLOT_ENTITLEMENTS][8:])
    if CSSLOT_DER_ENTITLEMENTS in slots:
        sig.der_entitlements = der_decode(slots[CSSLOT_DER_ENTITLEMENTS][8:])
    for cd in cds:
        _check_code_directory(macho, cd, slots, sl, sig)
    if sig.entitlements is not None and sig.der_entitlements is not None \
            and sig.entitlements != sig.der_entitlements:
        sig.problems.append("the XML and DER entitlements differ")


def _check_code_directory(macho: bytes, cd: bytes, slots: dict, sl: Slice, sig: Signature) -> None:
    (magic, length, version, flags, hash_off, ident_off, n_special, n_code, code_limit,
     hash_size, hash_type, _platform, page_shift) = struct.unpack_from(">9I4B", cd)
    if magic != CSMAGIC_CODEDIRECTORY:
        sig.problems.append("CodeDirectory magic %#x" % magic)
        return
    hasher = _HASHES.get(hash_type)
    if hasher is None:
        sig.problems.append("unknown hash type %d" % hash_type)
        return
    if sig.identifier is None or hash_type == CS_HASHTYPE_SHA256:
        sig.identifier = cd[ident_off:cd.index(b"\0", ident_off)].decode("utf-8", "replace")
        sig.flags, sig.hash_type, sig.code_limit = flags, hash_type, code_limit
    if code_limit != sl.sig_offset:
        sig.problems.append("code limit %#x is not the signature's offset %#x" % (code_limit, sl.sig_offset))
    page = 1 << page_shift if page_shift else code_limit
    want_pages = (code_limit + page - 1) // page if page else 0
    if n_code != want_pages:
        sig.problems.append("%d page hashes for %d pages" % (n_code, want_pages))
    bad = 0
    for i in range(min(n_code, want_pages)):
        got = hasher(macho[i * page:min((i + 1) * page, code_limit)]).digest()[:hash_size]
        if got != cd[hash_off + i * hash_size:hash_off + (i + 1) * hash_size]:
            bad += 1
    if bad:
        sig.problems.append("%d of %d page hashes do not match (%s)" % (bad, n_code, _HASH_NAMES[hash_type]))
    for slot in (CSSLOT_REQUIREMENTS, CSSLOT_ENTITLEMENTS, CSSLOT_DER_ENTITLEMENTS):
        if slot > n_special:
            if slot in slots:
                sig.problems.append("blob in slot %d is not covered by the CodeDirectory" % slot)
            continue
        stored = cd[hash_off - slot * hash_size:hash_off - (slot - 1) * hash_size]
        if slot in slots:
            if hasher(slots[slot]).digest()[:hash_size] != stored:
                sig.problems.append("hash of blob in slot %d does not match" % slot)
        elif stored.strip(b"\0"):
            sig.problems.append("slot %d is hashed but missing" % slot)


_HASH_NAMES = {CS_HASHTYPE_SHA1: "sha1", CS_HASHTYPE_SHA256: "sha256"}


# ---------------------------------------------------------------- DER entitlements

def der_encode(value) -> bytes:
    """Apple's DER form of an entitlements plist: [APPLICATION 16] { INTEGER 1,
    dict }, a dict being [CONTEXT 16] holding SEQUENCE { UTF8String key,
    value } sorted by key, an array a SEQUENCE, true/false BOOLEAN, a number
    INTEGER, a string UTF8String."""
    return _tlv(0x70, _tlv(0x02, b"\x01") + _der_value(value))


def _der_value(v) -> bytes:
    if isinstance(v, bool):
        return _tlv(0x01, b"\xff" if v else b"\x00")
    if isinstance(v, int):
        n = max(1, (v.bit_length() + 8) // 8)
        return _tlv(0x02, v.to_bytes(n, "big", signed=True))
    if isinstance(v, str):
        return _tlv(0x0C, v.encode("utf-8"))
    if isinstance(v, (list, tuple)):
        return _tlv(0x30, b"".join(_der_value(x) for x in v))
    if isinstance(v, dict):
        return _tlv(0xB0, b"".join(_tlv(0x30, _der_value(k) + _der_value(v[k])) for k in sorted(v)))
    raise MachOError("cannot encode %r in DER entitlements" % (v,))


def _tlv(tag: int, body: bytes) -> bytes:
    n = len(body)
    if n < 0x80:
        head = bytes([n])
    else:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        head = bytes([0x80 | len(raw)]) + raw
    return bytes([tag]) + head + body


def der_decode(data: bytes):
    """The plist value of a DER entitlements blob's body (inverse of der_encode)."""
    tag, body, _ = _read_tlv(data, 0)
    if tag != 0x70:
        raise ValueError("DER entitlements do not start with [APPLICATION 16]")
    tag, version, pos = _read_tlv(body, 0)
    if tag != 0x02 or version != b"\x01":
        raise ValueError("DER entitlements version is not 1")
    value, _ = _der_read_value(body, pos)
    return value


def _read_tlv(data: bytes, pos: int):
    tag, n = data[pos], data[pos + 1]
    pos += 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(data[pos:pos + k], "big")
        pos += k
    return tag, data[pos:pos + n], pos + n


def _der_read_value(data: bytes, pos: int):
    tag, body, end = _read_tlv(data, pos)
    if tag == 0x01:
        return body != b"\x00", end
    if tag == 0x02:
        return int.from_bytes(body, "big", signed=True), end
    if tag == 0x0C:
        return body.decode("utf-8"), end
    items, p = [], 0
    while p < len(body):
        v, p = _der_read_value(body, p)
        items.append(v)
    if tag == 0x30:
        return items, end
    if tag == 0xB0:
        return {k: v for k, v in items}, end
    raise ValueError("unknown DER tag %#x" % tag)


# ---------------------------------------------------------------- signing

def entitlements_xml(entitlements: dict) -> bytes:
    return plistlib.dumps(entitlements, fmt=plistlib.FMT_XML, sort_keys=True)


def _blob(magic: int, payload: bytes) -> bytes:
    return struct.pack(">II", magic, 8 + len(payload)) + payload


def _align(n: int, a: int) -> int:
    return (n + a - 1) // a * a


def sign_bytes(data: bytes, identifier: str, entitlements: dict | None = None) -> bytes:
    """A thin Mach-O's bytes, signed ad hoc (SHA-256, 4 KiB pages) with
    `entitlements`; any previous signature is replaced. An unsigned file
    gets an LC_CODE_SIGNATURE if there is room after its load commands."""
    sls = slices(data)
    if len(sls) != 1 or sls[0].offset != 0:
        raise MachOError("signing universal (fat) Mach-O files is not supported; give one per architecture")
    sl = sls[0]
    linkedit = sl.segment("__LINKEDIT")
    if linkedit is None:
        raise MachOError("no __LINKEDIT segment to hold a signature")
    buf = bytearray(data)
    if sl.sig_offset is not None:
        code_limit = sl.sig_offset
        cmd_off = sl.sig_cmd_offset
    else:
        # Append a load command in the padding between the commands and the first section.
        cmd_off = 32 + sl.sizeofcmds
        first = min((o for s in sl.segments for o in s.section_offsets), default=len(data))
        if cmd_off + 16 > first:
            raise MachOError("no room for a code-signature load command (relink with -headerpad)")
        if any(buf[cmd_off:cmd_off + 16].strip(b"\0")):
            raise MachOError("the space after the load commands is not free")
        struct.pack_into("<II", buf, 16, sl.ncmds + 1, sl.sizeofcmds + 16)
        code_limit = _align(linkedit.fileoff + linkedit.filesize, 16)
    del buf[code_limit:]
    buf.extend(b"\0" * (code_limit - len(buf)))

    entitlements = entitlements or {}
    reqs = _blob(CSMAGIC_REQUIREMENTS, struct.pack(">I", 0))
    extra = [(CSSLOT_REQUIREMENTS, reqs)]
    if entitlements:
        extra.append((CSSLOT_ENTITLEMENTS, _blob(CSMAGIC_EMBEDDED_ENTITLEMENTS, entitlements_xml(entitlements))))
        extra.append((CSSLOT_DER_ENTITLEMENTS, _blob(CSMAGIC_EMBEDDED_DER_ENTITLEMENTS,
                                                     der_encode(entitlements))))
    extra.append((CSSLOT_SIGNATURESLOT, _blob(CSMAGIC_BLOBWRAPPER, b"")))
    ident = identifier.encode("utf-8") + b"\0"
    n_pages = (code_limit + (1 << PAGE_SHIFT) - 1) >> PAGE_SHIFT
    hash_off = CD_HEADER + len(ident) + N_SPECIAL * 32
    cd_len = hash_off + n_pages * 32
    count = 1 + len(extra)
    sb_len = 12 + 8 * count + cd_len + sum(len(b) for _, b in extra)
    sig_size = _align(sb_len, 16)

    # Point the header at the signature-to-be, then hash: the pages cover the header.
    struct.pack_into("<IIII", buf, cmd_off, LC_CODE_SIGNATURE, 16, code_limit, sig_size)
    new_filesize = code_limit + sig_size - linkedit.fileoff
    vm_page = 0x4000 if sl.cputype == CPU_ARM64 else 0x1000
    new_vmsize = max(linkedit.vmsize, _align(new_filesize, vm_page))
    struct.pack_into("<QQ", buf, linkedit.cmd_offset + 32, new_vmsize, linkedit.fileoff)
    struct.pack_into("<Q", buf, linkedit.cmd_offset + 48, new_filesize)

    special = [b"\0" * 32] * N_SPECIAL  # index i holds slot -(i+1)
    for slot, blob in extra:
        if slot <= N_SPECIAL:
            special[slot - 1] = hashlib.sha256(blob).digest()
    text = sl.segment("__TEXT")
    exec_flags = CS_EXECSEG_MAIN_BINARY if sl.filetype == MH_EXECUTE else 0
    cd = bytearray(struct.pack(">9I4B4I4Q", CSMAGIC_CODEDIRECTORY, cd_len, CD_VERSION, CS_ADHOC, hash_off,
                               CD_HEADER, N_SPECIAL, n_pages, code_limit, 32, CS_HASHTYPE_SHA256, 0,
                               PAGE_SHIFT, 0, 0, 0, 0, 0,
                               text.fileoff if text else 0, text.filesize if text else 0, exec_flags))
    assert len(cd) == CD_HEADER
    cd += ident
    cd += b"".join(reversed(special))
    view = memoryview(buf)
    for i in range(n_pages):
        cd += hashlib.sha256(view[i << PAGE_SHIFT:min((i + 1) << PAGE_SHIFT, code_limit)]).digest()
    view.release()

    blobs = [(CSSLOT_CODEDIRECTORY, bytes(cd))] + extra
    index, body, off = b"", b"", 12 + 8 * count
    for slot, blob in blobs:
        index += struct.pack(">II", slot, off)
        body += blob
        off += len(blob)
    superblob = struct.pack(">III", CSMAGIC_EMBEDDED_SIGNATURE, sb_len, count) + index + body
    buf += superblob + b"\0" * (sig_size - len(superblob))
    return bytes(buf)


def sign(path: str, identifier: str, entitlements: dict | None = None, out: str | None = None) -> str:
    """Sign the Mach-O at `path` ad hoc into `out` (default: path itself),
    through a new file renamed into place (a new inode). Returns `out`."""
    out = out or path
    with open(path, "rb") as f:
        data = f.read()
    signed = sign_bytes(data, identifier, entitlements)
    tmp = "%s.lxpack-sign-%d" % (out, os.getpid())
    try:
        with open(tmp, "wb") as f:
            f.write(signed)
        os.chmod(tmp, os.stat(path).st_mode & 0o7777)
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return out


def describe(sig: Signature) -> str:
    """One line: arch, kind, identifier, entitlements, validity."""
    if not sig.signed:
        return "%s: unsigned" % sig.arch
    ents = sig.entitlements if sig.entitlements is not None else sig.der_entitlements
    ent_text = ", ".join(sorted(k for k, v in (ents or {}).items() if v is not False)) or "no entitlements"
    state = "valid" if sig.valid else "INVALID: " + "; ".join(sig.problems)
    return "%s: %s, %s, id %s, %s; %s" % (sig.arch, sig.kind, _HASH_NAMES.get(sig.hash_type, "?"),
                                          sig.identifier, ent_text, state)
