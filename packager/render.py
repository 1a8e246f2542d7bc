"""jinja2 rendering of the files in lxpack.templates.

Owns: the one Environment (StrictUndefined, so a missing variable is an
error, trailing newlines kept) and its filters: `shquote` for POSIX sh
literals and `pyrepr` for Python literals. XML values in Info.plist are
escaped in the template with `e`.

Imports: jinja2, lxpack.templates (as a directory of files), lxpack.errors.
"""
from __future__ import annotations

import functools
import os
import shlex

import jinja2

import lxpack.templates
from lxpack.errors import PackError


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(os.path.dirname(lxpack.templates.__file__)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["shquote"] = lambda s: shlex.quote(str(s))
    env.filters["pyrepr"] = lambda s: repr(str(s))
    return env


def render(template: str, **values) -> bytes:
    """The template `template` (e.g. 'Info.plist.j2') rendered, as UTF-8 bytes."""
    try:
        tpl = environment().get_template(template)
    except jinja2.TemplateNotFound:
        # An installation without its package data: one line, not a traceback.
        raise PackError("the lxpack installation is incomplete: template %s is missing from %s "
                        "(reinstall lxpack)" % (template, os.path.dirname(lxpack.templates.__file__))) from None
    return tpl.render(**values).encode("utf-8")
