"""The committed guest entry code (unikernel/guest/entry.bin) is what
entry.S assembles to, and the offsets runtime/vmm/kvm/layout.py hard-codes
for it (sysret, served functions, exception stubs) match its symbols."""
import shutil
import subprocess
from pathlib import Path

import pytest

from lxpack.runtime.vmm.kvm import layout as L

GUEST = Path(__file__).resolve().parents[2] / "unikernel" / "guest"
NR = {"fn_set_tid_address": 218, "fn_arch_prctl": 158, "fn_getcpu": 309, "fn_getrandom": 318,
      "fn_rt_sigprocmask": 14, "fn_rt_sigaction": 13}


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
    assert (syms["fn_start"], syms["fn_end"]) == (L.FN_START, L.FN_END)
    for name, nr in NR.items():
        assert L.FAST_FNS[nr][0] == syms[name], name
    assert L.FAST_FNS[318][1] == syms["fn_getrandom_saved"]
    assert L.FAST_FNS[14][1] == syms["fn_rt_sigprocmask_saved"]
    assert L.FAST_FNS[13][1] == syms["fn_rt_sigaction_saved"]
    assert all(saved is None for nr, (_, saved) in L.FAST_FNS.items() if nr not in (318, 14, 13))


def test_data_addresses_match(assembled):
    _, syms = assembled
    page = L.TRAMPOLINE + 0x1000          # the user view of FASTMASK's page
    assert syms["FASTMASK"] == page
    assert syms["FNMASK"] == page + (L.FNMASK - L.FASTMASK)
    assert syms["SCRATCH"] == page + (L.SCRATCH - L.FASTMASK)
    assert syms["TIDADDR"] == page + (L.TIDADDR - L.FASTMASK)
    for name in ("SIGBLOCKED", "SIGPENDING", "SIGSLOW", "SIGACTS"):
        assert syms[name] == page + (getattr(L, name) - L.FASTMASK), name
    assert syms["RANDPOOL"] == L.RANDPOOL_VA
