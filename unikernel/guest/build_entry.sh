#!/bin/sh
# Rebuilds entry.bin (flat binary, reproducible) from entry.S with GNU as.
set -e
cd "$(dirname "$0")"
tmp=$(mktemp -d)
as --64 -o "$tmp/entry.o" entry.S
objcopy -O binary -j .text "$tmp/entry.o" entry.bin
rm -rf "$tmp"
