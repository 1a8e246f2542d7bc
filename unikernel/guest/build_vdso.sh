#!/bin/sh
# Rebuilds vdso.so from vdso.c (reproducible: no build id, fixed layout).
set -e
cd "$(dirname "$0")"
gcc -O2 -fPIC -fno-stack-protector -fno-asynchronous-unwind-tables -fno-builtin -nostdlib \
    -ffreestanding -shared \
    -Wl,-soname=linux-vdso.so.1 -Wl,--hash-style=both \
    -Wl,--version-script=vdso.lds -Wl,-T,vdso-layout.ld -Wl,--build-id=none \
    -Wl,-z,max-page-size=4096 -o vdso.so vdso.c
strip --strip-unneeded -R .comment vdso.so 2>/dev/null || true
