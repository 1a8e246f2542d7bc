"""The packer checks that the runtime it vendors is complete before it
writes a bundle: the files every run needs, the data files the runtime's
sources load with pkgutil.get_data, and unicorn's native library."""
import pytest

from lxpack.errors import PackError
from lxpack.packager import vendor


def test_this_installation_is_complete():
    files = vendor.files()  # raises if not
    dests = {v.dest for v in files}
    assert {"lxpack/unikernel/guest/vdso.so", "lxpack/unikernel/guest/entry.bin"} <= dests
    assert vendor.needed_data(files) >= {"lxpack/unikernel/guest/vdso.so", "lxpack/unikernel/guest/entry.bin"}


@pytest.mark.parametrize("drop,named", [
    ("lxpack/unikernel/guest/vdso.so", "lxpack/unikernel/guest/vdso.so"),
    ("lxpack/unikernel/guest/entry.bin", "lxpack/unikernel/guest/entry.bin"),
    ("lxpack/launch/boot.py", "lxpack/launch/boot.py"),
    ("unicorn/lib/libunicorn.so.2", "unicorn's native library"),
])
def test_a_missing_runtime_file_is_one_line(drop, named):
    files = [v for v in vendor.files() if v.dest != drop]
    with pytest.raises(PackError) as e:
        vendor.check_complete(files)
    msg = str(e.value)
    assert "\n" not in msg and "incomplete" in msg and named in msg
    assert e.value.exit_code == 3
