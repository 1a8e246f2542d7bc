#!/bin/sh
# Installs the Debian packages the compatibility corpus (compat/cases.py)
# draws its programs from, where they are missing and we are root with
# apt-get. Never fails: a case whose tool is still missing is reported as
# skipped.
need=""
have() { command -v "$1" >/dev/null 2>&1; }
pkg() { have "$1" || need="$need $2"; }
pkg ls coreutils
pkg column bsdextrautils
pkg hexdump bsdextrautils
pkg rev util-linux
pkg find findutils
pkg diff diffutils
pkg grep grep
pkg sed sed
pkg gawk gawk
pkg bash bash
pkg dash dash
pkg busybox busybox
pkg tar tar
pkg gzip gzip
pkg xz xz-utils
pkg bzip2 bzip2
pkg zstd zstd
pkg python3 python3
pkg perl perl
pkg git git
pkg make make
pkg gcc gcc
pkg objdump binutils
pkg sqlite3 sqlite3
pkg file file
pkg jq jq
pkg openssl openssl
pkg curl curl
pkg bc bc
pkg patch patch
pkg cpio cpio
pkg xxd xxd
[ -z "$need" ] && exit 0
if [ "$(id -u)" = 0 ] && have apt-get; then
    echo "installing packages for the compat corpus:$need" >&2
    (apt-get update -qq >/dev/null 2>&1 || true)
    for p in $need; do   # one at a time: a name missing from this release skips only itself
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$p" >/dev/null 2>&1 \
            || echo "warning: could not install $p (its cases will be skipped)" >&2
    done
else
    echo "note: missing packages:$need (not root or no apt-get; their cases will be skipped)" >&2
fi
exit 0
