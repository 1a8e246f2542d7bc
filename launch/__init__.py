"""The composition root: what starts a Linux program (lxpack run, a bundle's
launcher). It sits above the unikernel and the runtime: it picks a backend
(runtime.vmm), builds the host (runtime.host) and the unikernel around them,
prints --stats, turns start-up failures into one-line messages and exit
statuses, and selects a bundle's native libraries. Travels inside bundles:
Python 3.9.
"""
