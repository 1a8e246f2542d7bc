"""Helpers for the ABI leaf package: build name->value tables once at import.

Private to lxpack.abi (leading underscore); imports nothing but the standard
library's struct-free builtins, so every abi module stays import-cheap.
"""


def table(namespace, names):
    """Return {name: namespace[name]} for the whitespace-separated *names*,
    in the given order (order matters: the first name of a value is its
    canonical name when a table is inverted)."""
    return {n: namespace[n] for n in names.split()}


def invert(tbl):
    """{value: first name} for a name->value table."""
    out = {}
    for name, value in tbl.items():
        out.setdefault(value, name)
    return out


def flag_names(value, tbl):
    """Names from the single-bit-or-more flag table *tbl* that are fully set
    in *value*, plus a hex remainder for unknown bits (strace style)."""
    parts = []
    rest = value
    for name, bit in tbl.items():
        if bit and (value & bit) == bit and (rest & bit):
            parts.append(name)
            rest &= ~bit
    if rest:
        parts.append(hex(rest))
    return "|".join(parts) if parts else "0"
