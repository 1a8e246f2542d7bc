"""The backend interface is declared, not sniffed (runtime/vmm/base.py).

Outside runtime/vmm/ no module branches on a backend's name or asks a
backend, VM or vCPU what it has with hasattr/getattr: optional hooks have
no-op defaults on base.Backend/Vm/Vcpu, optional in-VM assistance is the
declared `vm.assist` (None on unicorn). Printing a backend's name (doctor,
--stats) is fine; comparing it is not. And the backends implement what the
interface declares.
"""
import ast
import inspect
import pathlib

import pytest

from lxpack.runtime.vmm import base

ROOT = pathlib.Path(__file__).resolve().parents[2]
CHECKED = ("lxpack", "launch", "unikernel", "runtime", "packager")
BACKEND_NAMES = {"kvm", "hvf", "unicorn", "hvf-arm64"}
# Expressions that hold a backend, a VM or a vCPU (a name, or an attribute
# of that name: be, t.vcpu, self.backend, vcpu.vm ...).
HOLDERS = {"be", "backend", "vm", "old_vm", "vcpu", "v_cpu"}


def _modules():
    out = []
    for sub in CHECKED:
        for p in sorted((ROOT / sub).rglob("*.py")):
            rel = p.relative_to(ROOT).as_posix()
            if "__pycache__" in p.parts or rel.startswith("runtime/vmm/"):
                continue
            out.append(p)
    return out


def _holder(node):
    if isinstance(node, ast.Name):
        return node.id in HOLDERS
    if isinstance(node, ast.Attribute):
        return node.attr in HOLDERS
    return False


def violations(src, filename="<src>"):
    """(line, what) for each backend-name comparison or backend probe."""
    bad = []
    for node in ast.walk(ast.parse(src, filename)):
        if isinstance(node, ast.Compare):
            operands = [node.left] + list(node.comparators)
            for o in operands:
                if isinstance(o, ast.Constant) and o.value in BACKEND_NAMES:
                    bad.append((node.lineno, "compares with backend name %r" % o.value))
                elif isinstance(o, (ast.Tuple, ast.List, ast.Set)) and any(
                        isinstance(e, ast.Constant) and e.value in BACKEND_NAMES for e in o.elts):
                    bad.append((node.lineno, "compares with backend names"))
                elif isinstance(o, ast.Attribute) and o.attr == "name" and _holder(o.value):
                    bad.append((node.lineno, "compares a backend's name"))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                node.func.id in ("hasattr", "getattr") and node.args and _holder(node.args[0]):
            bad.append((node.lineno, "%s() probe of %s" % (node.func.id, ast.dump(node.args[0])[:60])))
    return bad


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_backend_name_checks_or_probes_outside_vmm(path):
    bad = violations(path.read_text(), str(path))
    assert not bad, "%s: %s (declare it in runtime/vmm/base.py instead)" % (
        path.relative_to(ROOT), "; ".join("%d: %s" % b for b in bad))


def test_the_check_sees_a_violation():
    src = ('if be.name == "kvm": pass\n'
           'if backend in ("unicorn", "x"): pass\n'
           'if hasattr(vm, "close"): pass\n'
           'x = getattr(t.vcpu, "exits", None)\n'
           'y = getattr(self.backend, "parallel", False)\n'
           'print("backend", be.name)\n'
           'z = getattr(self.tls, "task", None)\n')
    assert sorted({line for line, _ in violations(src)}) == [1, 2, 3, 4, 5]


def _public(cls):
    return {n for n in vars(cls) if not n.startswith("_")}


def test_backends_implement_the_declared_interface():
    """Every method the interface declares is overridden where it must be
    (a NotImplementedError default), and no backend offers a public method
    the interface does not declare (it would be found by probing)."""
    from lxpack.runtime.vmm.kvm import assist, backend as kb, vcpu, vm
    pairs = [(base.Backend, kb.KvmBackend), (base.Vm, vm.KvmVm), (base.Vcpu, vcpu.KvmVcpu),
             (base.InVmAssist, assist.KvmAssist)]
    try:
        from lxpack.runtime.vmm.unicorn import backend as ub
    except ImportError:                 # no unicorn engine here
        pass
    else:
        pairs += [(base.Backend, ub.UnicornBackend), (base.Vm, ub.UnicornVm), (base.Vcpu, ub.UnicornVcpu)]
    # Public names a backend may have beyond the interface: used only inside
    # its own package (the fast path's undo rules, the kvm exit bench, tests).
    private_ok = {"supported_cpuid", "read_phys", "write_phys", "patch_cpl3_syscall", "set_clock_offsets",
                  "export_state", "recreate", "reset_for_exec", "forget_address_space", "regions",
                      "mmap_undo_map", "mmap_undo_unmap"}
    for iface, impl in pairs:
        for name, member in vars(iface).items():
            if callable(member) and not name.startswith("_"):
                if "raise NotImplementedError" in inspect.getsource(member):
                    assert getattr(impl, name) is not member, "%s does not implement %s" % (impl.__name__, name)
        extra = _public(impl) - _public(iface) - private_ok
        extra = {n for n in extra if callable(getattr(impl, n))}
        assert not extra, "%s has undeclared methods %s: declare them in base.%s" % (
            impl.__name__, sorted(extra), iface.__name__)
