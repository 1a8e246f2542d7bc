"""The ELF loader: replaces a process image with a Linux x86-64 program, as
Linux's binfmt_elf does, and builds the initial stack.

Owns: ELF header/program-header parsing (struct: fast to import, no
pyelftools needed on the hot start-up path), PT_LOAD mapping for ET_EXEC and
ET_DYN (PIE, static-pie), PT_INTERP loading, PT_GNU_STACK, brk placement,
the vDSO mapping and the initial stack (strings, AT_RANDOM, auxv, envp,
argv, argc) in the order Linux lays them out.
Travels inside bundles: Python 3.9.
"""
import struct

from lxpack.abi import auxv
from lxpack.abi.signal import MINSIGSTKSZ
from lxpack.runtime.vmm.base import PAGE_SIZE, page_down, page_up
from lxpack.unikernel.errors import EFAULT, ENOEXEC, ELIBBAD, LinuxError
from lxpack.unikernel.kernel import mm as M

ET_EXEC, ET_DYN = 2, 3
EM_X86_64 = 62
PT_LOAD, PT_DYNAMIC, PT_INTERP, PT_PHDR, PT_GNU_STACK = 1, 2, 3, 6, 0x6474E551
PF_X, PF_W, PF_R = 1, 2, 4

# The auxv entries the initial stack carries, by name (values: lxpack.abi.auxv).
AT = {name: getattr(auxv, name) for name in (
    "AT_NULL", "AT_PHDR", "AT_PHENT", "AT_PHNUM", "AT_PAGESZ", "AT_BASE", "AT_FLAGS", "AT_ENTRY", "AT_UID",
    "AT_EUID", "AT_GID", "AT_EGID", "AT_PLATFORM", "AT_HWCAP", "AT_CLKTCK", "AT_SECURE", "AT_RANDOM",
    "AT_HWCAP2", "AT_EXECFN", "AT_SYSINFO_EHDR", "AT_MINSIGSTKSZ")}



class WrongFormat(LinuxError):
    """Not an ELF the loader can run (the caller may try a shebang or the host)."""
    errno = ENOEXEC.errno


class SegmentPastEnd(LinuxError):
    """A PT_LOAD reaches past the end of the file (a truncated ELF). Linux
    accepts it and the exec fails past the point of no return (zeroing the
    segment's bss tail faults): the process dies with SIGSEGV."""
    errno = EFAULT.errno


class ElfImage(object):
    """The parts of an ELF file the loader needs."""

    def __init__(self, header, phdrs, fd, path):
        self.type, self.machine, self.entry, self.phoff, self.phentsize, self.phnum = header
        self.phdrs = phdrs          # list of (type, flags, offset, vaddr, filesz, memsz, align)
        self.fd = fd
        self.path = path
        self.interp = None

    def loads(self):
        return [p for p in self.phdrs if p[0] == PT_LOAD]


def read_elf(host, fd, path):
    """Parse and validate the ELF at host fd; raise ENOEXEC for other formats."""
    head = host.pread(fd, 64, 0)
    if len(head) < 64 or head[:4] != b"\x7fELF":
        raise WrongFormat()
    if head[4] != 2 or head[5] != 1:
        raise WrongFormat("not a 64-bit little-endian ELF")
    (e_type, e_machine, _ver, e_entry, e_phoff, _shoff, _flags, _ehsize, e_phentsize, e_phnum,
     _shentsize, _shnum, _shstrndx) = struct.unpack_from("<HHIQQQIHHHHHH", head, 16)
    if e_machine != EM_X86_64 or e_type not in (ET_EXEC, ET_DYN):
        raise WrongFormat()
    if e_phentsize != 56 or not 0 < e_phnum < 4096:
        raise WrongFormat()
    raw = host.pread(fd, e_phentsize * e_phnum, e_phoff)
    if len(raw) < e_phentsize * e_phnum:
        raise WrongFormat("truncated program headers")
    phdrs = []
    for i in range(e_phnum):
        p_type, p_flags, p_offset, p_vaddr, _paddr, p_filesz, p_memsz, p_align = struct.unpack_from(
            "<IIQQQQQQ", raw, i * 56)
        phdrs.append((p_type, p_flags, p_offset, p_vaddr, p_filesz, p_memsz, p_align))
    img = ElfImage((e_type, e_machine, e_entry, e_phoff, e_phentsize, e_phnum), phdrs, fd, path)
    if not img.loads():
        raise WrongFormat("no loadable segments")
    for p in phdrs:
        if p[0] == PT_INTERP:
            s = host.pread(fd, p[4], p[2])
            img.interp = s.split(b"\0", 1)[0]
    return img


def _prot(flags):
    return (M.PROT_READ if flags & PF_R else 0) | (M.PROT_WRITE if flags & PF_W else 0) | \
           (M.PROT_EXEC if flags & PF_X else 0)


def map_image(host, mm, img, bias_hint, name, dev=0, ino=0):
    """Map every PT_LOAD of img; return the load bias."""
    loads = img.loads()
    lo = page_down(min(p[3] for p in loads))
    hi = page_up(max(p[3] + p[5] for p in loads))
    if img.type == ET_DYN:
        if bias_hint is not None and mm.is_free(bias_hint, bias_hint + hi - lo):
            bias = bias_hint - lo
        else:
            bias = mm.find_free(hi - lo) - lo
    else:
        bias = 0
    size = host.fstat(img.fd).st_size
    for p_type, flags, off, vaddr, filesz, memsz, _align in loads:
        if off + filesz > size:
            raise SegmentPastEnd("ELF segment past the end of the file")
        start = page_down(bias + vaddr)
        end = page_up(bias + vaddr + memsz)
        skew = (bias + vaddr) - start
        prot = _prot(flags)
        # A page shared with the previous segment is already mapped: widen it.
        first = start
        prev = mm.find(start)
        if prev is not None:
            mm.protect(start, PAGE_SIZE, prev.prot | prot)
            first = start + PAGE_SIZE
        if end > first:
            mm.map(first, end - first, prot, name=name, offset=page_down(off) + (first - start),
                   dev=dev, ino=ino, kind="file")
        if filesz:
            data = host.pread(img.fd, filesz + skew, off - skew)
            mm.vm.write(start, data)
    return bias


def _find_phdr(img, bias):
    for p in img.phdrs:
        if p[0] == PT_PHDR:
            return bias + p[3]
    for p in img.loads():
        if p[2] <= img.phoff < p[2] + p[4]:
            return bias + p[3] + (img.phoff - p[2])
    return 0


class LoadResult(object):
    __slots__ = ("entry", "sp", "exe_bias", "interp_bias", "brk")


def _map_name(kernel, fd, path):
    """The name /proc/self/maps gives a mapped ELF: the file's canonical
    path as the host knows it (Linux prints the dentry's path, not what the
    program was started as), the bundle root left out."""
    try:
        real = kernel.host.fd_path(fd)
    except LinuxError:
        real = b""
    real = kernel.vfs.guest_path(real)
    if not real.startswith(b"/"):
        real = path
    return real.decode("utf-8", "surrogateescape")


def load(kernel, process, exe_fd, exe_path, argv, envp, execfn, open_interp):
    """Replace process's address space contents with the program at exe_fd.

    open_interp(path) -> host fd of the interpreter (through the VFS).
    Returns LoadResult with the entry point and initial stack pointer.
    """
    host = kernel.host
    mm = process.mm
    img = read_elf(host, exe_fd, exe_path)
    interp_img = None
    if img.interp:
        ifd = open_interp(img.interp)
        try:
            interp_img = read_elf(host, ifd, img.interp)
        except WrongFormat:
            host.close(ifd)
            raise ELIBBAD()
    st = host.fstat(exe_fd)
    # PIE with an interpreter goes to ELF_ET_DYN_BASE; static-pie and ld.so
    # run directly go into the mmap area, as on Linux.
    hint = M.PIE_BASE if img.type == ET_DYN and img.interp else None
    bias = map_image(host, mm, img, hint, _map_name(kernel, exe_fd, exe_path), st.st_dev, st.st_ino)
    end = max(bias + p[3] + p[5] for p in img.loads())
    mm.set_brk_start(page_up(end))
    entry = bias + img.entry
    interp_bias = 0
    if interp_img is not None:
        ist = host.fstat(interp_img.fd)
        interp_bias = map_image(host, mm, interp_img, None, _map_name(kernel, interp_img.fd, interp_img.path),
                                ist.st_dev, ist.st_ino)
        host.close(interp_img.fd)
        entry = interp_bias + interp_img.entry
    # vDSO
    vdso = kernel.vdso_image
    vdso_addr = mm.find_free(page_up(len(vdso)) + PAGE_SIZE)
    mm.map(vdso_addr, page_up(len(vdso)), M.PROT_READ | M.PROT_EXEC, name="[vdso]", kind="vdso", data=vdso)
    # Stack
    stack_lo = M.STACK_TOP - M.STACK_SIZE
    mm.map(stack_lo, M.STACK_SIZE, M.PROT_READ | M.PROT_WRITE, name="[stack]", kind="stack")
    r = LoadResult()
    r.entry = entry
    r.exe_bias = bias
    r.interp_bias = interp_bias
    r.brk = mm.brk_start
    r.sp = _build_stack(kernel, process, mm, img, bias, interp_bias, vdso_addr, argv, envp, execfn)
    return r


def _build_stack(kernel, process, mm, img, bias, interp_bias, vdso_addr, argv, envp, execfn):
    host = kernel.host
    p = M.STACK_TOP - 8          # Linux leaves the last 8 bytes (NULL pointer) at the top

    def push_bytes(b):
        nonlocal p
        p -= len(b)
        mm.write(p, b)
        return p

    execfn_addr = push_bytes(execfn + b"\0")
    env_addrs = [push_bytes(e + b"\0") for e in reversed(envp)][::-1]
    arg_addrs = [push_bytes(a + b"\0") for a in reversed(argv)][::-1]
    p &= ~0xF
    platform = push_bytes(b"x86_64\0")
    p &= ~0xF
    rnd = push_bytes(host.random(16))
    p &= ~0xF
    uid, euid, gid, egid = host.getuid(), host.geteuid(), host.getgid(), host.getegid()
    aux = [
        (AT["AT_SYSINFO_EHDR"], vdso_addr),
        (AT["AT_MINSIGSTKSZ"], MINSIGSTKSZ),
        (AT["AT_HWCAP"], kernel.cpu.hwcap),
        (AT["AT_PAGESZ"], PAGE_SIZE),
        (AT["AT_CLKTCK"], 100),
        (AT["AT_PHDR"], _find_phdr(img, bias)),
        (AT["AT_PHENT"], 56),
        (AT["AT_PHNUM"], img.phnum),
        (AT["AT_BASE"], interp_bias),
        (AT["AT_FLAGS"], 0),
        (AT["AT_ENTRY"], bias + img.entry),
        (AT["AT_UID"], uid), (AT["AT_EUID"], euid), (AT["AT_GID"], gid), (AT["AT_EGID"], egid),
        (AT["AT_SECURE"], 0),
        (AT["AT_RANDOM"], rnd),
        (AT["AT_HWCAP2"], kernel.cpu.hwcap2),
        (AT["AT_EXECFN"], execfn_addr),
        (AT["AT_PLATFORM"], platform),
        (AT["AT_NULL"], 0),
    ]
    words = [len(argv)] + arg_addrs + [0] + env_addrs + [0]
    for k, v in aux:
        words += [k, v]
    total = len(words) * 8
    sp = (p - total) & ~0xF
    mm.write(sp, struct.pack("<%dQ" % len(words), *words))
    process.auxv = struct.pack("<%dQ" % (2 * len(aux)), *[x for kv in aux for x in kv])
    return sp
