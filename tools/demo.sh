#!/bin/sh
# `make demo`: build samples/hello.c, pack it into out/Hello.app and run the
# bundle's launcher. $1 is the virtualenv's python (lxpack installed in it).
set -eu
PY=${1:?usage: tools/demo.sh PYTHON}
cd "$(dirname "$0")/.."
mkdir -p out
CC=${CC:-cc}
echo "==> $CC samples/hello.c -o out/hello" >&2
"$CC" -O2 -o out/hello samples/hello.c
echo "==> lxpack out/hello -o out/Hello.app --force" >&2
"$PY" -m lxpack out/hello -o out/Hello.app --force
echo "==> out/Hello.app/Contents/MacOS/Hello" >&2
status=0
out/Hello.app/Contents/MacOS/Hello || status=$?
echo "==> exit status $status" >&2
exit "$status"
