"""The x86-64 guest the VM backends (kvm, hvf) set up alike: the guest-physical
and virtual layout (layout.py), the page tables (pagetable.py), the kernel
half with GDT, IDT, TSSs and the entry code (kernel.py), and the fast-path
tables of the calls the entry code serves (fastpath.py). Knows CPUs and
memory, not Linux. Travels inside bundles: Python 3.9.
"""
