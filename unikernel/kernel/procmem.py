"""/proc/PID/mem: an open of a process's memory, what debuggers read and
write it through (gdb reads a tracee's memory only so).

Owns: ProcMem, the emulated object behind the fd (Emulated, kind "mem"):
reads and writes at the fd's position or at an offset (pread/pwrite) are
the process's memory at that address. The own process is served here; a
tracee's by its runtime, over the ptrace channel (it must be stopped).
Writes reach read-only private pages as a debugger's do (breakpoints).
Travels inside bundles: Python 3.9.
"""
from lxpack.abi.errno import EIO
from lxpack.unikernel.errors import LinuxError
from lxpack.unikernel.kernel.fdtable import Emulated
from lxpack.unikernel.kernel.ptrace_tracee import force_write, read_mem


class ProcMem(Emulated):
    kind = "mem"

    def __init__(self, pid, link_name):
        self.pid = pid                  # None: the own process
        self.link_name = link_name
        self.pos = 0

    def pread(self, t, n, off):
        if self.pid is None:
            return read_mem(t, off, n)
        tracer = t.kernel.tracer
        if tracer is None:
            raise LinuxError(EIO)
        return tracer.request(self.pid, "readmem", off, n)

    def pwrite(self, t, data, off):
        if self.pid is None:
            force_write(t, off, data)
            return len(data)
        tracer = t.kernel.tracer
        if tracer is None:
            raise LinuxError(EIO)
        return tracer.request(self.pid, "writemem", off, bytes(data))

    def read(self, t, n):
        data = self.pread(t, n, self.pos)
        self.pos += len(data)
        return data

    def write(self, t, data):
        n = self.pwrite(t, data, self.pos)
        self.pos += n
        return n
