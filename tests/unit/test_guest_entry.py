"""The committed guest entry code (unikernel/guest/entry.bin) is what
entry.S assembles to, and the offsets runtime/vmm/x86guest/layout.py and
fastpath.py hard-code for it (sysret, served functions, exception stubs)
match its symbols."""
import shutil
import subprocess
from pathlib import Path

import pytest

from lxpack.abi.syscalls_x86_64 import (NR_arch_prctl, NR_brk, NR_getcpu, NR_getrandom, NR_mmap, NR_munmap,
                                        NR_rt_sigaction, NR_rt_sigprocmask, NR_set_tid_address)
from lxpack.runtime.vmm.x86guest import fastpath as F
from lxpack.runtime.vmm.x86guest import layout as L

GUEST = Path(__file__).resolve().parents[2] / "unikernel" / "guest"
NR = {"fn_set_tid_address": NR_set_tid_address, "fn_arch_prctl": NR_arch_prctl, "fn_getcpu": NR_getcpu,
      "fn_getrandom": NR_getrandom, "fn_rt_sigprocmask": NR_rt_sigprocmask, "fn_rt_sigaction": NR_rt_sigaction,
      "fn_brk": NR_brk, "fn_mmap": NR_mmap, "fn_munmap": NR_munmap}


@pytest.fixture(scope="module")
def assembled(tmp_path_factory):
    if not (shutil.which("as") and shutil.which("objcopy") and shutil.which("nm")):
        pytest.skip("GNU binutils (as, objcopy, nm) not installed")
    tmp = tmp_path_factory.mktemp("entry")
    subprocess.run(["as", "--64", "-o", str(tmp / "entry.o"), str(GUEST / "entry.S")], check=True)
    subprocess.run(["objcopy", "-O", "binary", "-j", ".text", str(tmp / "entry.o"), str(tmp / "entry.bin")],
                   check=True)
    syms = {}
    for line in subprocess.run(["nm", str(tmp / "entry.o")], check=True, capture_output=True,
                               text=True).stdout.splitlines():
        parts = line.split()
        if len(parts) == 3:
            syms[parts[2]] = int(parts[0], 16)
    return (tmp / "entry.bin").read_bytes(), syms


def test_committed_binary_is_current(assembled):
    code, _ = assembled
    assert (GUEST / "entry.bin").read_bytes() == code, "run unikernel/guest/build_entry.sh and commit entry.bin"


def test_layout_offsets_match_symbols(assembled):
    code, syms = assembled
    assert code[L.SYSRET_OFFSET:L.SYSRET_OFFSET + 3] == b"\x48\x0f\x07"          # sysretq
    assert code[L.ENTRY_FAST_DONE:L.ENTRY_FAST_DONE + 2] == b"\xeb\x02"          # jmp over the out
    assert syms["exc_base"] == L.EXC_STUBS
    assert (syms["fn_start"], syms["fn_end"]) == (F.FN_START, F.FN_END)
    assert sorted(F.SERVED) == sorted(NR.values())
    for name, nr in NR.items():
        assert F.SERVED[nr].start == syms[name], name
        saved = syms.get(name + "_saved")
        assert F.SERVED[nr].saved == saved, name
        assert (F.SERVED[nr].undo is None) == (saved is None), name
        assert F.SERVED[nr].done == syms.get(name + "_done"), name
    assert syms["invl_stub"] == L.INVL_STUB
    assert syms["fn_munmap_trip"] == F.MUNMAP_TRIP


def test_data_addresses_match(assembled):
    _, syms = assembled
    page = L.TRAMPOLINE + 0x1000          # the user view of FASTMASK's page
    assert syms["FASTMASK"] == page
    assert syms["FNMASK"] == page + (L.FNMASK - L.FASTMASK)
    assert syms["SCRATCH"] == page + (L.SCRATCH - L.FASTMASK)
    assert syms["TIDADDR"] == page + (L.TIDADDR - L.FASTMASK)
    for name in ("SIGBLOCKED", "SIGPENDING", "SIGSLOW", "SIGACTS", "BRKCUR", "BRKSTART", "BRKWIN", "BRKBASE",
                 "MMTOP", "MMLO", "MMGAP", "MMPTOFF", "MMCOUNT", "MMRING0", "MMREC"):
        assert syms[name] == page + (getattr(L, name) - L.FASTMASK), name
    assert syms["RANDPOOL"] == L.RANDPOOL_VA
    assert syms["PTWIN"] == L.PTWIN_VA
    assert (syms["MMREC_MAX"], syms["MMWIN_MAX"]) == (L.MMREC_MAX, L.MMWIN_MAX)
