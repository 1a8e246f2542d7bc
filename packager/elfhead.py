"""ELF identification from the first bytes of a file, with struct only.

Owns: telling an ELF from anything else (a GNU ld linker script, a shell
script, data), naming its class, byte order, type and machine, and deciding
whether ld.so would load it here. The library search vets every candidate
file with this (as glibc's open_verify does) before LIEF parses the winner,
and the CLI turns a bad input program into one clear PackError line.

Imports: lxpack.errors only. Never imports LIEF (that is packager._lief).
"""
from __future__ import annotations

import os
import struct
from dataclasses import dataclass

from lxpack.errors import PackError, UsageError

ELF_MAGIC = b"\x7fELF"
ELFCLASS32, ELFCLASS64 = 1, 2
ELFDATA2LSB, ELFDATA2MSB = 1, 2
ET_REL, ET_EXEC, ET_DYN, ET_CORE = 1, 2, 3, 4
EM_X86_64 = 62

MACHINE_NAMES = {
    2: "SPARC", 3: "i386", 8: "MIPS", 15: "PA-RISC", 20: "PowerPC", 21: "PowerPC64",
    22: "s390", 40: "ARM", 42: "SuperH", 43: "SPARC V9", 50: "IA-64", 62: "x86-64",
    183: "AArch64", 243: "RISC-V", 258: "LoongArch",
}
TYPE_NAMES = {ET_REL: "relocatable object", ET_EXEC: "executable",
              ET_DYN: "shared object", ET_CORE: "core dump"}


@dataclass(frozen=True)
class ElfHeader:
    """The identifying fields of an ELF header."""

    elf_class: int  # 32 or 64
    little_endian: bool
    etype: int
    machine: int

    @property
    def machine_name(self) -> str:
        return MACHINE_NAMES.get(self.machine, "machine %d" % self.machine)

    @property
    def description(self) -> str:
        """E.g. 'ELF 32-bit i386 executable'."""
        return "ELF %d-bit %s %s" % (self.elf_class, self.machine_name,
                                     TYPE_NAMES.get(self.etype, "file"))

    @property
    def matches_host(self) -> bool:
        """What ld.so checks before skipping a candidate as 'wrong class'."""
        return self.elf_class == 64 and self.machine == EM_X86_64


def parse_header(head: bytes) -> ElfHeader | None:
    """The header fields of `head` (a file's first 20+ bytes), or None if not an ELF."""
    if len(head) < 20 or head[:4] != ELF_MAGIC:
        return None
    ei_class, ei_data = head[4], head[5]
    little = ei_data != ELFDATA2MSB
    etype, machine = struct.unpack_from("<HH" if little else ">HH", head, 16)
    return ElfHeader(64 if ei_class == ELFCLASS64 else 32, little, etype, machine)


def read_header(path: str) -> ElfHeader | None:
    """The ELF header of `path`, or None if it is not an ELF. Raises OSError."""
    with open(path, "rb") as f:
        return parse_header(f.read(64))


def looks_like_linker_script(head: bytes) -> bool:
    """True for a GNU ld script such as /usr/lib/x86_64-linux-gnu/libc.so."""
    try:
        text = head.decode("ascii")
    except UnicodeDecodeError:
        return False
    return "GNU ld script" in text or any(k in text for k in ("GROUP (", "GROUP(", "INPUT (", "INPUT("))


def _what_is(head: bytes) -> str:
    if looks_like_linker_script(head):
        return "a GNU ld linker script (text)"
    if head.startswith(b"#!"):
        line = head[2:].split(b"\n", 1)[0].strip().decode("utf-8", "replace")
        return "a script (#!%s)" % line
    if head[:4] in (b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xca\xfe\xba\xbe"):
        return "a Mach-O binary"
    if head[:2] == b"MZ":
        return "a Windows/PE binary"
    if not head:
        return "empty"
    try:
        head.decode("utf-8")
        return "a text file"
    except UnicodeDecodeError:
        return "data"


def check_input(path: str, what: str = "program") -> ElfHeader:
    """Vet the program (or library) given on the command line.

    Returns its header when lxpack can pack it; otherwise raises UsageError
    (no such file, a directory) or PackError (not an ELF, a linker script,
    wrong class or machine, an object file) with a one-line message.
    """
    if not os.path.lexists(path):
        raise UsageError("%s: no such file or directory" % path)
    if not os.path.exists(path):
        raise UsageError("%s: broken symbolic link (-> %s)" % (path, os.readlink(path)))
    if os.path.isdir(path):
        raise UsageError("%s: is a directory, not a %s" % (path, what))
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError as e:
        raise PackError("%s: cannot read: %s" % (path, e.strerror or e)) from None
    hdr = parse_header(head)
    if hdr is None:
        kind = _what_is(head)
        hint = ""
        if looks_like_linker_script(head):
            hint = "; pack the real shared library it names instead"
        elif head.startswith(b"#!"):
            hint = "; pack its interpreter and add the script with --include"
        raise PackError("%s is not an ELF file: it is %s%s" % (path, kind, hint))
    if not hdr.matches_host or not hdr.little_endian:
        raise PackError("%s is an %s: this architecture is not supported yet "
                        "(lxpack packs 64-bit x86-64 programs only)" % (path, hdr.description))
    if hdr.etype not in (ET_EXEC, ET_DYN):
        raise PackError("%s is an %s, not a program or shared library" % (path, hdr.description))
    return hdr
