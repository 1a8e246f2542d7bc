"""The kernel half of the x86-64 guest, as both VM backends (kvm, hvf) lay
it out (layout.py): its page-table entries, GDT, TSSs with their I/O
permission bitmaps, IDT, the entry code (entry.bin, patched where SYSCALL
leaves CPL at 3) and the user-accessible views of the trampoline, time page
and random pool. Knows CPUs and memory, not Linux. Travels inside bundles:
Python 3.9.
"""
import struct

from lxpack.runtime.vmm import base
from lxpack.runtime.vmm.x86guest import layout as L


def setup(pw, aspace, guest_code, cpl3_syscall):
    """Write the kernel half through pw(gpa, bytes) (guest-physical memory)
    and map its user views into aspace (a pagetable.AddressSpace)."""
    # PML4[511] -> KPDPT; KPDPT[510] -> KPD; KPD[0] = 2 MiB page at phys 0 (supervisor, global).
    pw(L.PML4 + 511 * 8, struct.pack("<Q", L.KPDPT | L.PTE_P | L.PTE_W))
    pw(L.KPDPT + 510 * 8, struct.pack("<Q", L.KPD | L.PTE_P | L.PTE_W))
    pw(L.KPD, struct.pack("<Q", 0 | L.PTE_P | L.PTE_W | L.PTE_PS | L.PTE_G))
    gdt = [0, 0, 0x00AF9B000000FFFF, 0x00CF93000000FFFF, 0x00CFFB000000FFFF, 0x00CFF3000000FFFF,
           0x00AFFB000000FFFF, 0]
    pw(L.GDT, struct.pack("<%dQ" % len(gdt), *gdt))
    for i in range(L.MAX_VCPUS):
        tss = L.KBASE + L.TSS + i * L.TSS_SIZE
        lim = L.TSS_LIMIT
        lo = (lim & 0xFFFF) | ((tss & 0xFFFFFF) << 16) | (0x89 << 40) | (((lim >> 16) & 0xF) << 48) | \
            (((tss >> 24) & 0xFF) << 56)
        hi = (tss >> 32) & 0xFFFFFFFF
        pw(L.GDT + L.SEL_TSS0 + 16 * i, struct.pack("<QQ", lo, hi))
        rsp0 = L.KBASE + L.KSTACKS + (i + 1) * L.KSTACK_SIZE
        # The I/O permission bitmap after the TSS lets CPL 3 use port
        # PORT_SYSCALL only (see layout.py: SYSCALL may leave CPL at 3).
        # IST1 (the served munmap's ring-0 invalidation) is the same stack:
        # at CPL 0 an interrupt would otherwise push onto the user's stack.
        pw(L.TSS + i * L.TSS_SIZE, struct.pack("<IQQQQQ", 0, rsp0, 0, 0, 0, rsp0) + b"\0" * 56 +
                 struct.pack("<HH", 0, 104) + L.IO_BITMAP)
    idt = b""
    for v in range(256):
        if v < 32:
            off = L.KBASE + L.CODE + L.EXC_STUBS + 32 * v
            attr = 0xEE if v in (3, 4) else 0x8E       # int3/into allowed from ring 3
            ist = 0
            if v == 6:
                # #UD first goes to the served munmap's ring-0 invalidation
                # (its ud2), on IST 1: at CPL 0 it must not push onto the user's stack.
                off, ist = L.KBASE + L.CODE + L.INVL_STUB, 1
            idt += struct.pack("<HHBBHIi", off & 0xFFFF, L.SEL_KCODE, ist, attr, (off >> 16) & 0xFFFF,
                               (off >> 32) & 0xFFFFFFFF, 0)
        else:
            idt += b"\0" * 16
    pw(L.IDT, idt)
    code = bytearray(guest_code)
    if code[L.SYSRET_OFFSET:L.SYSRET_OFFSET + 3] != b"\x48\x0f\x07":
        raise base.GuestCrash("entry.bin does not match layout.SYSRET_OFFSET")
    if cpl3_syscall:
        code[L.SYSRET_OFFSET:L.SYSRET_OFFSET + 3] = b"\xff\xe1\x90"      # jmp rcx; nop
    pw(L.CODE, bytes(code))
    pw(L.FASTMASK, b"\0" * 64)
    # The trampoline: user-accessible views of the entry code and tables.
    aspace.map(L.TRAMPOLINE, 0x1000, base.PROT_READ | base.PROT_EXEC, gpa=L.CODE)
    aspace.map(L.TRAMPOLINE + 0x1000, 0x3000, base.PROT_READ | base.PROT_WRITE, gpa=L.FASTMASK)
    aspace.map(L.TIMEPAGE_VA, 0x1000, base.PROT_READ, gpa=L.TIMEPAGE)
    aspace.map(L.RANDPOOL_VA, 0x1000, base.PROT_READ | base.PROT_WRITE, gpa=L.RANDPOOL)
    pw(L.RANDPOOL, struct.pack("<Q", 0x1000))           # empty until refilled
