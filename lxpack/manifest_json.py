"""Reading manifest.json: its JSON and its format_version check, with no
dataclasses (a bundle's start reads only a few fields, and importing
dataclasses costs ~15 ms). Manifest.from_json (lxpack/manifest.py) builds
on read(); launch/boot.py's run_bundle uses the dict directly.

Imports: lxpack, lxpack.errors. Travels inside bundles: Python 3.9.
"""
import json

import lxpack
from lxpack.errors import ProgramNotExecutable


def read(raw):
    """The manifest's JSON object; ProgramNotExecutable (one line, the
    status a launcher gives for a bundle it cannot run) if it is not a
    manifest this lxpack reads. The version is checked first: another
    format may have other keys."""
    try:
        data = json.loads(raw)
    except ValueError as e:
        raise ProgramNotExecutable("bundle manifest is not valid JSON (%s)" % e) from None
    if not isinstance(data, dict):
        raise ProgramNotExecutable("bundle manifest is not a JSON object")
    version = data.get("format_version")
    if version != lxpack.MANIFEST_FORMAT:
        raise ProgramNotExecutable(
            "bundle manifest format_version %r is not supported: this lxpack runtime reads format_version %d"
            % (version, lxpack.MANIFEST_FORMAT))
    return data


def field(data, name, kind, default):
    """data[name] if it has the type a manifest gives it, else
    ProgramNotExecutable (as Manifest.from_json refuses an incomplete one)."""
    v = data.get(name, default)
    if not isinstance(v, kind):
        raise ProgramNotExecutable("bundle manifest is incomplete (%s: %r)" % (name, v))
    return v
