"""Proves lxpack.abi against the real Linux UAPI/glibc headers of this machine.

One C program is generated from the Python modules' constants (every
module-level int) and built once per session: each translation unit includes
one compatible set of headers and prints every name it knows plus struct
sizes/offsets; names a header set does not declare are found from gcc's
"undeclared" diagnostics and dropped, then the test asserts

* every value the headers define equals the Python value, and
* every name no header defines is in an explicit allowlist below (our own
  helper constants, or values from kernels newer than these headers).

Skipped when gcc or the headers are missing, or not on Linux x86-64.
"""
import os
import platform
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from lxpack.abi import (arch_prctl, auxv, epoll, eventfd, fcntl, futex, inotify, ioctl,
                        mman, netlink, personality, poll, prctl, ptrace, random, resource, sched, signal,
                        signalfd, socket, stat, sysinfo, termios, time, timerfd, x86_64)

pytestmark = pytest.mark.skipif(
    not (sys.platform.startswith("linux") and platform.machine() in ("x86_64", "AMD64")
         and shutil.which("gcc") and os.path.exists("/usr/include/linux/fcntl.h")),
    reason="needs gcc and Linux x86-64 UAPI headers")

# Translation units: name -> (module, prelude). Units of one module are
# consulted in order; the first that defines a name decides its value.
K = "#include <stdio.h>\n#include <stddef.h>\n"
G = "#define _GNU_SOURCE 1\n#include <stdio.h>\n#include <stddef.h>\n"
UNITS = [
    ("fcntl_k", fcntl, K + "#include <linux/fcntl.h>\n#include <linux/fs.h>\n#include <linux/memfd.h>\n"
     "#include <linux/fadvise.h>\n#include <linux/falloc.h>\n#include <linux/close_range.h>\n"
     "#include <linux/openat2.h>\n"),
    ("fcntl_g", fcntl, G + "#include <fcntl.h>\n#include <unistd.h>\n#include <sys/file.h>\n"),
    ("stat_k", stat, K + "#include <linux/stat.h>\n#include <asm/stat.h>\n#include <asm/statfs.h>\n"
     "#include <linux/magic.h>\n#include <linux/fcntl.h>\n"),
    ("stat_g", stat, G + "#include <dirent.h>\n#include <sys/stat.h>\n#include <sys/statvfs.h>\n"
     "#include <sys/sysmacros.h>\n"),
    ("signal_k", signal, K + "#include <linux/signal.h>\n#include <asm/siginfo.h>\n#include <linux/wait.h>\n"),
    ("sigframe_k", signal, K + "#include <asm/processor-flags.h>\n#include <asm/signal.h>\n"
     "#include <asm/sigcontext.h>\n#include <asm/ucontext.h>\n"),
    ("mman_k", mman, K + "#include <linux/mman.h>\n"),
    ("termios_k", termios, K + "#include <asm/termbits.h>\n#include <asm/ioctls.h>\n#include <asm/termios.h>\n"
     "#include <linux/tty.h>\n"),
    ("termios_g", termios, G + "#include <unistd.h>\n"),
    ("socket_g", socket, G + "#include <sys/socket.h>\n#include <netinet/in.h>\n#include <netinet/tcp.h>\n"
     "#include <netinet/udp.h>\n#include <net/if.h>\n#include <net/if_arp.h>\n"),
    ("socket_k", socket, K + "#include <linux/socket.h>\n#include <linux/in.h>\n#include <linux/in6.h>\n"
     "#include <linux/tcp.h>\n#include <linux/udp.h>\n#include <linux/un.h>\n#include <asm/socket.h>\n"
     "#include <linux/netlink.h>\n#include <linux/rtnetlink.h>\n#include <linux/if_link.h>\n"
     "#include <linux/if_addr.h>\n#include <linux/if.h>\n#include <linux/if_arp.h>\n"
     "#include <linux/sockios.h>\n"),
    ("netlink_k", netlink, K + "#include <linux/netlink.h>\n#include <linux/rtnetlink.h>\n#include <linux/if_link.h>\n"
     "#include <linux/if_addr.h>\n#include <linux/if.h>\n#include <linux/if_arp.h>\n#include <linux/sockios.h>\n"),
    ("x86_64_k", x86_64, K + "#include <linux/audit.h>\n#include <asm/stat.h>\n"),
    ("socket_uio", socket, K + "#include <linux/uio.h>\n"),
    ("resource_k", resource, K + "#include <linux/resource.h>\n"),
    ("time_k", time, K + "#include <linux/time.h>\n#include <linux/time_types.h>\n#include <asm/siginfo.h>\n"),
    ("sched_k", sched, K + "#include <linux/sched.h>\n#include <linux/sched/types.h>\n"),
    ("sched_g", sched, G + "#include <sched.h>\n"),
    ("futex_k", futex, K + "#include <linux/futex.h>\n"),
    ("prctl_k", prctl, K + "#include <linux/prctl.h>\n#include <linux/seccomp.h>\n#include <linux/capability.h>\n"),
    ("arch_prctl_k", arch_prctl, K + "#include <asm/prctl.h>\n"),
    ("auxv_k", auxv, K + "#include <linux/auxvec.h>\n#include <elf.h>\n"),
    ("sysinfo_k", sysinfo, K + "#include <linux/utsname.h>\n#include <linux/sysinfo.h>\n"),
    ("poll_k", poll, K + "#include <asm/poll.h>\n"),
    ("poll_g", poll, G + "#include <sys/select.h>\n"),
    ("epoll_k", epoll, K + "#include <linux/fcntl.h>\n#include <linux/eventpoll.h>\n"),
    ("eventfd_g", eventfd, G + "#include <sys/eventfd.h>\n"),
    ("timerfd_k", timerfd, K + "#include <linux/fcntl.h>\n#include <linux/ioctl.h>\n#include <linux/types.h>\n"
     "#include <linux/timerfd.h>\n"),
    ("signalfd_k", signalfd, K + "#include <linux/fcntl.h>\n#include <linux/signalfd.h>\n"),
    ("inotify_k", inotify, K + "#include <linux/fcntl.h>\n#include <linux/inotify.h>\n"),
    ("random_k", random, K + "#include <linux/random.h>\n"),
    ("personality_k", personality, K + "#include <linux/personality.h>\n"),
    ("ioctl_k", ioctl, K + "#include <asm-generic/ioctl.h>\n"),
    ("ptrace_g", ptrace, G + "#include <sys/ptrace.h>\n#include <sys/user.h>\n#include <elf.h>\n"),
    ("ptrace_k", ptrace, K + "#include <linux/ptrace.h>\n#include <asm/ptrace-abi.h>\n"),
]

# Struct sizes and offsets: unit -> [(C expression, expected value)].
LAYOUTS = {
    "fcntl_k": [("sizeof(struct flock)", fcntl.FLOCK.size), ("sizeof(struct open_how)", fcntl.OPEN_HOW.size),
                ("offsetof(struct flock, l_start)", 8), ("offsetof(struct flock, l_pid)", 24)],
    "stat_k": [("sizeof(struct stat)", stat.STAT.size), ("offsetof(struct stat, st_rdev)", 40),
               ("offsetof(struct stat, st_atime_nsec)", 80), ("sizeof(struct statx)", stat.STATX.size),
               ("sizeof(struct statx_timestamp)", stat.STATX_TIMESTAMP.size),
               ("offsetof(struct statx, stx_atime)", 64), ("offsetof(struct statx, stx_mtime)", 112),
               ("offsetof(struct statx, stx_rdev_major)", 128), ("offsetof(struct statx, stx_mnt_id)", 144),
               ("offsetof(struct statx, stx_dio_offset_align)", 156),
               ("sizeof(struct statfs)", stat.STATFS.size), ("offsetof(struct statfs, f_fsid)", 56),
               ("offsetof(struct statfs, f_flags)", 80)],
    "stat_g": [("gnu_dev_makedev(8, 1)", stat.makedev(8, 1)),
               ("gnu_dev_makedev(4095, 255)", stat.makedev(4095, 255)),
               ("gnu_dev_makedev(0x12345, 0x6789ab)", stat.makedev(0x12345, 0x6789AB)),
               ("gnu_dev_major(gnu_dev_makedev(0x12345, 0x6789ab))", 0x12345),
               ("gnu_dev_minor(gnu_dev_makedev(0x12345, 0x6789ab))", 0x6789AB),
               ("offsetof(struct dirent64, d_name)", stat.DIRENT64_HEADER.size)],
    "signal_k": [("sizeof(siginfo_t)", signal.SI_MAX_SIZE), ("offsetof(siginfo_t, si_pid)", 16),
                 ("offsetof(siginfo_t, si_uid)", 20), ("offsetof(siginfo_t, si_status)", 24),
                 ("offsetof(siginfo_t, si_utime)", 32), ("offsetof(siginfo_t, si_stime)", 40),
                 ("offsetof(siginfo_t, si_addr)", 16), ("offsetof(siginfo_t, si_addr_lsb)", 24),
                 ("offsetof(siginfo_t, si_pkey)", 32), ("offsetof(siginfo_t, si_value)", 24),
                 ("offsetof(siginfo_t, si_band)", 16), ("offsetof(siginfo_t, si_fd)", 24),
                 ("offsetof(siginfo_t, si_tid)", 16), ("offsetof(siginfo_t, si_overrun)", 20),
                 ("offsetof(siginfo_t, si_call_addr)", 16), ("offsetof(siginfo_t, si_syscall)", 24),
                 ("offsetof(siginfo_t, si_arch)", 28),
                 ("sizeof(stack_t)", signal.STACK_T.size), ("offsetof(stack_t, ss_size)", 16),
                 ("sizeof(sigset_t)", signal.SIGSET_SIZE)],
    "sigframe_k": [("sizeof(struct ucontext)", signal.UCONTEXT.size), ("sizeof(struct sigcontext)", 256),
                   ("offsetof(struct ucontext, uc_mcontext)", 40), ("offsetof(struct ucontext, uc_sigmask)", 296),
                   ("offsetof(struct sigcontext, eflags)", 136), ("offsetof(struct sigcontext, fpstate)", 184)],
    "termios_k": [("sizeof(struct termios)", termios.TERMIOS.size),
                  ("sizeof(struct termios2)", termios.TERMIOS2.size),
                  ("sizeof(struct winsize)", termios.WINSIZE.size)],
    "socket_g": [("sizeof(struct msghdr)", socket.MSGHDR.size), ("sizeof(struct mmsghdr)", socket.MMSGHDR.size),
                 ("sizeof(struct cmsghdr)", socket.CMSGHDR.size), ("sizeof(struct iovec)", socket.IOVEC.size),
                 ("sizeof(struct ucred)", socket.UCRED.size), ("sizeof(struct linger)", socket.LINGER.size),
                 ("sizeof(struct sockaddr_in)", socket.SOCKADDR_IN.size),
                 ("sizeof(struct sockaddr_in6)", socket.SOCKADDR_IN6.size),
                 ("sizeof(struct sockaddr_storage)", socket.SOCKADDR_STORAGE_SIZE),
                 ("sizeof(struct ip_mreq)", socket.IP_MREQ.size), ("sizeof(struct ip_mreqn)", socket.IP_MREQN.size),
                 ("sizeof(struct ipv6_mreq)", socket.IPV6_MREQ.size),
                 ("CMSG_LEN(4)", socket.CMSG_LEN(4)), ("CMSG_SPACE(4)", socket.CMSG_SPACE(4)),
                 ("CMSG_SPACE(12)", socket.CMSG_SPACE(12))],
    "socket_k": [("sizeof(struct sockaddr_un)", socket.SOCKADDR_UN_SIZE),
                 ("sizeof(struct sockaddr_nl)", socket.SOCKADDR_NL.size),
                 ("sizeof(struct nlmsghdr)", socket.NLMSGHDR.size), ("sizeof(struct nlmsgerr)", socket.NLMSGERR.size),
                 ("sizeof(struct ifinfomsg)", socket.IFINFOMSG.size),
                 ("sizeof(struct ifaddrmsg)", socket.IFADDRMSG.size), ("sizeof(struct rtattr)", socket.RTATTR.size),
                 ("sizeof(struct ifa_cacheinfo)", socket.IFA_CACHEINFO_S.size),
                 ("NLMSG_ALIGN(17)", socket.NLMSG_ALIGN(17)), ("RTA_ALIGN(5)", socket.RTA_ALIGN(5))],
    "netlink_k": [("sizeof(struct ifreq)", netlink.IFREQ_SIZE), ("offsetof(struct ifreq, ifr_ifindex)", 16),
                  ("sizeof(struct nlmsghdr)", netlink.NLMSGHDR.size)],
    "x86_64_k": [("sizeof(struct stat)", x86_64.STAT.size), ("offsetof(struct stat, st_atime)", 72)],
    "resource_k": [("sizeof(struct rlimit)", resource.RLIMIT.size), ("sizeof(struct rusage)", resource.RUSAGE.size),
                   ("offsetof(struct rusage, ru_maxrss)", 32)],
    "time_k": [("sizeof(struct __kernel_timespec)", time.TIMESPEC.size),
               ("sizeof(struct __kernel_itimerspec)", time.ITIMERSPEC.size),
               ("sizeof(struct timezone)", time.TIMEZONE.size), ("sizeof(sigevent_t)", time.SIGEVENT.size)],
    "sched_k": [("sizeof(struct clone_args)", sched.CLONE_ARGS.size),
                ("sizeof(struct sched_param)", sched.SCHED_PARAM.size)],
    "futex_k": [("sizeof(struct robust_list_head)", futex.ROBUST_LIST_HEAD.size),
                ("sizeof(struct futex_waitv)", futex.FUTEX_WAITV.size),
                ("FUTEX_OP(FUTEX_OP_ADD, 1, FUTEX_OP_CMP_GT, 0)", futex.FUTEX_OP(1, 1, 4, 0)),
                ("FUTEX_OP(FUTEX_OP_OR|FUTEX_OP_OPARG_SHIFT, 31, FUTEX_OP_CMP_NE, 4095)",
                 futex.FUTEX_OP(2 | 8, 31, 1, 4095))],
    "auxv_k": [("sizeof(Elf64_auxv_t)", auxv.AUXV_ENTRY.size)],
    "sysinfo_k": [("sizeof(struct new_utsname)", sysinfo.UTSNAME.size), ("sizeof(struct sysinfo)", sysinfo.SYSINFO.size),
                  ("offsetof(struct sysinfo, procs)", 80), ("offsetof(struct sysinfo, totalhigh)", 88),
                  ("offsetof(struct sysinfo, mem_unit)", 104)],
    "poll_k": [],
    "epoll_k": [("sizeof(struct epoll_event)", epoll.EPOLL_EVENT.size)],
    "signalfd_k": [("sizeof(struct signalfd_siginfo)", signalfd.SIGNALFD_SIGINFO.size),
                   ("offsetof(struct signalfd_siginfo, ssi_addr_lsb)", 80),
                   ("offsetof(struct signalfd_siginfo, ssi_call_addr)", 88),
                   ("offsetof(struct signalfd_siginfo, ssi_arch)", 96)],
    "inotify_k": [("sizeof(struct inotify_event)", inotify.INOTIFY_EVENT.size)],
    "ioctl_k": [("_IOR('T', 0x2A, struct { char c[44]; })", termios.TCGETS2)],
    "ptrace_g": [("sizeof(struct user_regs_struct)", ptrace.USER_REGS_STRUCT.size),
                 ("sizeof(struct user_fpregs_struct)", ptrace.USER_FPREGS_SIZE),
                 ("sizeof(struct user)", ptrace.USER_SIZE),
                 ("offsetof(struct user, u_debugreg)", ptrace.USER_DEBUGREG_OFFSET),
                 ("offsetof(struct user_regs_struct, orig_rax)", 8 * ptrace.USER_REGS.index("orig_rax")),
                 ("offsetof(struct user_regs_struct, rip)", 8 * ptrace.USER_REGS.index("rip")),
                 ("offsetof(struct user_regs_struct, fs_base)", 8 * ptrace.USER_REGS.index("fs_base")),
                 ("offsetof(struct user_regs_struct, gs)", 8 * ptrace.USER_REGS.index("gs"))],
}

# Module ints that no header of this machine defines, each for a stated reason.
NOT_IN_HEADERS = {
    # our own helpers / derived values
    "fcntl": {"O_TMPFILE_MASK", "SETFL_MASK",
              # Linux 6.3+, newer than these 6.1 headers
              "F_SEAL_EXEC", "MFD_NOEXEC_SEAL", "MFD_EXEC"},
    # ST_VALID is kernel-internal (include/linux/statfs.h); ST_NOSYMFOLLOW is
    # newer than this glibc's <sys/statvfs.h>
    "stat": {"NSEC_PER_SEC", "ST_VALID", "ST_NOSYMFOLLOW"},
    # x86 asm/signal.h: SIGRTMAX is _NSIG, which only the kernel defines (64)
    "signal": {"_NSIG", "SIGRTMAX", "SIGSET_FULL", "UNBLOCKABLE", "SIGSET_SIZE", "W_CONTINUED", "WCOREFLAG",
               "WNOTHREAD", "WALL", "WCLONE"},
    "mman": {"LEGACY_MAP_MASK", "PAGE_SIZE", "PAGE_SHIFT", "MAP_ANON"},
    "termios": set(),
    # SOCK_TYPE_MASK, MSG_PROBE, SCM_SECURITY, SCM_MAX_FD: kernel-internal
    # include/linux/{net,socket}.h
    # IFREQ_SIZE: sizeof(struct ifreq), checked in LAYOUTS (netlink_k)
    "socket": {"SOCKADDR_UN_SIZE", "SOCKADDR_STORAGE_SIZE", 
               "SOCK_TYPE_MASK", "MSG_PROBE", "SCM_SECURITY", "SCM_MAX_FD", "IFREQ_SIZE"},
    "netlink": {"IFREQ_SIZE"},
    "x86_64": {"NSEC_PER_SEC"},
    "resource": set(),
    "time": {"NSEC_PER_SEC", "USEC_PER_SEC"},
    "sched": {"FORK_FLAGS", "THREAD_FLAGS"},
    "futex": set(),
    # SUID_DUMP_*, TASK_COMM_LEN: kernel-internal; PR_*_MDWE: Linux 6.3
    "prctl": {"SUID_DUMP_DISABLE", "SUID_DUMP_USER", "TASK_COMM_LEN", "PR_SET_MDWE", "PR_GET_MDWE"},
    # ARCH_XCOMP_*: XFEATURE numbers (arch/x86/include/asm/fpu/types.h); the
    # rest: newer kernels, or out-of-tree CET (see the module docstring)
    "arch_prctl": {"ARCH_XCOMP_TILECFG", "ARCH_XCOMP_TILEDATA", "ARCH_CET_STATUS", "ARCH_GET_UNTAG_MASK", "ARCH_ENABLE_TAGGED_ADDR",
                   "ARCH_GET_MAX_TAG_BITS", "ARCH_FORCE_TAGGED_SVA", "ARCH_SHSTK_ENABLE",
                   "ARCH_SHSTK_DISABLE", "ARCH_SHSTK_LOCK", "ARCH_SHSTK_UNLOCK",
                   "ARCH_SHSTK_STATUS", "ARCH_SHSTK_SHSTK", "ARCH_SHSTK_WRSS"},
    "auxv": {"AT_HWCAP3", "AT_HWCAP4"},                     # Linux 6.9+
    "sysinfo": {"UTS_FIELD_LEN"},
    "poll": {"POLL_ALWAYS"},
    "epoll": {"EPOLL_INPUT_FLAGS"},
    "eventfd": {"EFD_FLAGS_SET", "EVENTFD_MAX"},
    "timerfd": {"TFD_CREATE_FLAGS", "TFD_SETTIME_FLAGS"},
    "random": {"GRND_FLAGS"},
    "personality": {"PERSONALITY_QUERY"},
    "ioctl": set(),
    # sizes and offsets, checked in LAYOUTS (ptrace_g)
    "ptrace": {"USER_FPREGS_SIZE", "USER_SIZE", "USER_DEBUGREG_OFFSET"},
    "signalfd": set(),
    "inotify": set(),
}

# The x86-64 signal frame: kernel-internal values (arch/x86: FIX_EFLAGS in
# kernel/signal.c, __USER_CS/__USER_DS in asm/segment.h, X86_TRAP_PF in
# asm/trapnr.h) and sizes derived from the checked layouts.
NOT_IN_HEADERS["signal"] |= {"FIX_EFLAGS", "FXSAVE_SIZE", "RT_SIGFRAME_SIZE", "USER_CS", "USER_DS", "X86_TRAP_PF"}

_NAME = re.compile(r"_{0,2}[A-Z][A-Za-z0-9_]*$")
_ERRLINE = re.compile(r"^[^:\n]+\.c:(\d+):\d+: error:", re.M)


def module_ints(mod):
    """Every module-level int constant (bool excluded) of an abi module."""
    return {n: v for n, v in vars(mod).items()
            if _NAME.match(n) and isinstance(v, int) and not isinstance(v, bool)}


def _unit_source(unit, prelude, names, layouts):
    lines = [prelude, "#define P(n) printf(\"%s %s %lld %llu\\n\", \"" + unit
             + "\", #n, (long long)(n), (unsigned long long)(n))",
             "#define L(i, e) printf(\"%s #%d %lld %llu\\n\", \"" + unit
             + "\", i, (long long)(e), (unsigned long long)(e))",
             "void dump_%s(void) {" % unit]
    lines += ["  P(%s);" % n for n in sorted(names)]
    lines += ["  L(%d, %s);" % (i, e) for i, (e, _) in enumerate(layouts)]
    lines.append("}")
    return "\n".join(lines) + "\n"


def _compile_unit(workdir, unit, prelude, names, layouts):
    """Compile one unit, dropping names gcc reports undeclared; returns
    (object path, set of undeclared names)."""
    names = set(names)
    missing = set()
    src = os.path.join(workdir, unit + ".c")
    obj = os.path.join(workdir, unit + ".o")
    env = dict(os.environ, LC_ALL="C", LANG="C")
    for _ in range(4):
        with open(src, "w") as f:
            f.write(_unit_source(unit, prelude, names, layouts))
        p = subprocess.run(["gcc", "-c", "-w", "-O0", "-fmax-errors=0", "-o", obj, src],
                           capture_output=True, text=True, env=env)
        if p.returncode == 0:
            return obj, missing
        # map each error's line back to the name printed on it (a macro may
        # expand to some other undeclared identifier)
        by_line = {i + 1: line[4:-2] for i, line in enumerate(open(src).read().splitlines())
                   if line.startswith("  P(")}
        bad = {by_line[int(n)] for n in _ERRLINE.findall(p.stderr) if int(n) in by_line}
        if not bad or len(_ERRLINE.findall(p.stderr)) > len(
                [n for n in _ERRLINE.findall(p.stderr) if int(n) in by_line]):
            bad = set()
        if not bad:
            raise AssertionError("unit %s does not compile:\n%s" % (unit, p.stderr[-4000:]))
        names -= bad
        missing |= bad
    raise AssertionError("unit %s: too many rounds" % unit)


@pytest.fixture(scope="session")
def c_abi(tmp_path_factory):
    """{unit: {name: (signed, unsigned)}}, {unit: {index: (signed, unsigned)}},
    {unit: undeclared names} from one program built from all units."""
    workdir = str(tmp_path_factory.mktemp("abi_c"))
    jobs = [(u, pre, module_ints(mod), LAYOUTS.get(u, [])) for u, mod, pre in UNITS]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 4) as ex:
        results = list(ex.map(lambda j: _compile_unit(workdir, *j), jobs))
    main = os.path.join(workdir, "main.c")
    with open(main, "w") as f:
        f.write("".join("void dump_%s(void);\n" % u for u, _, _ in UNITS))
        f.write("int main(void) {\n%s  return 0;\n}\n" % "".join("  dump_%s();\n" % u for u, _, _ in UNITS))
    exe = os.path.join(workdir, "abi_dump")
    subprocess.run(["gcc", "-o", exe, main] + [o for o, _ in results], check=True)
    out = subprocess.run([exe], capture_output=True, text=True, check=True).stdout
    values, layouts = {}, {}
    for line in out.splitlines():
        unit, name, sval, uval = line.split()
        if name.startswith("#"):
            layouts.setdefault(unit, {})[int(name[1:])] = (int(sval), int(uval))
        else:
            values.setdefault(unit, {})[name] = (int(sval), int(uval))
    missing = {u: m for (u, _, _), (_, m) in zip(UNITS, results)}
    return values, layouts, missing


def _modname(mod):
    return mod.__name__.rsplit(".", 1)[1]


MODULES = []
for _u, _m, _p in UNITS:
    if _m not in MODULES:
        MODULES.append(_m)


@pytest.mark.parametrize("mod", MODULES, ids=_modname)
def test_constants_match_headers(c_abi, mod):
    values, _, missing = c_abi
    units = [u for u, m, _ in UNITS if m is mod]
    wrong, absent = [], []
    for name, py in sorted(module_ints(mod).items()):
        for u in units:
            if name in values.get(u, {}):
                sval, uval = values[u][name]
                if py not in (sval, uval) and (py & 0xFFFFFFFFFFFFFFFF) != uval:
                    wrong.append("%s: python %#x, %s says %#x" % (name, py, u, uval))
                break
        else:
            absent.append(name)
    assert not wrong, "values differ from the headers:\n" + "\n".join(wrong)
    allowed = NOT_IN_HEADERS[_modname(mod)]
    assert set(absent) <= allowed, "not in any header (add to NOT_IN_HEADERS with a reason, or fix): %s" % sorted(
        set(absent) - allowed)
    stale = allowed - set(absent)
    assert not stale, "allowlisted but found in the headers: %s" % sorted(stale)


@pytest.mark.parametrize("unit", sorted(LAYOUTS), ids=str)
def test_layouts_match_headers(c_abi, unit):
    _, layouts, _ = c_abi
    got = layouts.get(unit, {})
    bad = ["%s = %d, python has %d" % (expr, got[i][0], want)
           for i, (expr, want) in enumerate(LAYOUTS[unit])
           if want not in got[i] and got[i][1] & 0xFFFFFFFF != want]
    assert not bad, "\n".join(bad)
