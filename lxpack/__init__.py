"""lxpack: pack a Linux x86-64 program into a portable, self-contained bundle.

The top-level package holds only what every layer shares: the version, the
Linux ABI constants (lxpack.abi, a leaf package) and user-facing errors.
This file travels inside bundles, so it must import nothing heavy and run on
Python 3.9.
"""

__version__ = "0.1.0"

# Version of manifest.json's layout; bump when a bundle's runtime could not
# read a manifest written by an older packager.
MANIFEST_FORMAT = 1
