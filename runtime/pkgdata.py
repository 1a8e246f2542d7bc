"""Reading a data file that travels inside a package (the guest code, the
vDSO): pkgutil.get_data's behaviour without importing pkgutil (~5 ms a
start). The packager finds the files a bundle needs by the calls
pkgdata.get_data with a literal package and file name (packager/vendor.py),
so keep both arguments literal. Travels inside bundles: Python 3.9.
"""
import importlib
import os


def get_data(package, name):
    """The bytes of `name` beside package's __init__ (its loader reads it, so
    it works from a zip or a bundle as from a checkout)."""
    pkg = importlib.import_module(package)
    return pkg.__spec__.loader.get_data(os.path.join(os.path.dirname(pkg.__file__), name))
