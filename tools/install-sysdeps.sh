#!/bin/sh
# Installs the system packages the tests, demo and benchmarks use, where they
# are missing and we are root with apt-get (CI and fresh dev machines). Never
# fails the build: a test whose package could not be installed skips with the
# reason.
need=""
have() { command -v "$1" >/dev/null 2>&1; }
have gcc || need="$need gcc"
have musl-gcc || need="$need musl-tools"
have qemu-x86_64 || need="$need qemu-user"
have sqlite3 || need="$need sqlite3"
have strace || need="$need strace"
have tmux || need="$need tmux"
have file || need="$need file"
have git || need="$need git"
have make || need="$need make"
have tput || need="$need ncurses-bin"
# programs the packing-knowledge tests ask (tests/packager/test_knowledge.py)
have perl || need="$need perl"
have g++ || need="$need g++"
have tclsh || need="$need tcl"
have wish || need="$need tk"
have javac || need="$need default-jdk-headless"
have vim || need="$need vim"
have bsdtar || need="$need libarchive-tools"  # a one-file bundle unpacked as macOS's tar does
have zip || need="$need zip"
have unzip || need="$need unzip"
have script || need="$need bsdutils"
have Xvfb || need="$need xvfb"                 # Tk bundles draw on a virtual X server
have xwd || need="$need x11-apps"
have xz || need="$need xz-utils"
[ -e /usr/share/man/man2/read.2.gz ] || need="$need manpages-dev"
[ -z "$need" ] && exit 0
if [ "$(id -u)" = 0 ] && have apt-get; then
    echo "installing system packages:$need" >&2
    (apt-get update -qq >/dev/null 2>&1 || true)
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null 2>&1 \
        || echo "warning: could not install some of:$need (tests needing them will skip)" >&2
else
    echo "note: missing system packages:$need (not root or no apt-get; tests needing them will skip)" >&2
fi
exit 0
