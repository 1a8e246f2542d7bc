"""Asking a program on the build host about itself.

Owns: running a program briefly (no terminal, a fixed C locale, a time
limit, stdin from a given script or /dev/null) and returning its output,
or None when it cannot be run or fails. The knowledge rules only ask
programs that run natively on the packing host (it is Linux and the
program is a Linux x86-64 program), so a failure means "no answer", never
an error of the pack.
"""
from __future__ import annotations

import os
import subprocess

TIMEOUT = 20  # seconds; javac or a cold gcc answer in well under one


def ask(argv: list[str], stdin: str | None = None, merge_stderr: bool = False,
        env: dict[str, str] | None = None) -> str | None:
    """stdout (and stderr if merge_stderr) of argv, or None if it cannot run or exits non-zero."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("LD_", "PYTHON", "PERL5"))}
    full_env.update(LC_ALL="C", LANG="C")
    if env:
        full_env.update(env)
    try:
        proc = subprocess.run(argv, input=(stdin or "").encode(), env=full_env,
                              stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT if merge_stderr else subprocess.DEVNULL,
                              timeout=TIMEOUT, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    return proc.stdout.decode("utf-8", "surrogateescape")


def lines(text: str | None) -> list[str]:
    return [ln.strip() for ln in (text or "").splitlines() if ln.strip()]
