"""Linux x86-64 terminal ABI: the kernel struct termios (36 bytes, what
TCGETS/TCSETS* copy) and struct termios2 (44 bytes, TCGETS2), all c_iflag/
c_oflag/c_cflag/c_lflag bits by name, B* speed codes, c_cc indices, the tty
ioctl request numbers and struct winsize.

Note: glibc's userspace struct termios is 60 bytes (c_cc[32] plus
c_ispeed/c_ospeed); the kernel's, which the syscalls see, has NCCS = 19 and no
speed fields (the speed lives in c_cflag's CBAUD/CIBAUD bits).

Sources: asm-generic/termbits.h, asm-generic/termbits-common.h,
asm-generic/ioctls.h, asm-generic/termios.h (struct winsize), termios(3),
ioctl_tty(2).

Leaf module: constants and struct layouts only, no host access.
"""
import struct as _struct
from collections import namedtuple as _namedtuple

from ._table import table as _table
from .ioctl import _IO, _IOR, _IOW

NCCS = 19

# c_cc indices
VINTR = 0
VQUIT = 1
VERASE = 2
VKILL = 3
VEOF = 4
VTIME = 5
VMIN = 6
VSWTC = 7
VSTART = 8
VSTOP = 9
VSUSP = 10
VEOL = 11
VREPRINT = 12
VDISCARD = 13
VWERASE = 14
VLNEXT = 15
VEOL2 = 16
CC_INDICES = _table(globals(), """VINTR VQUIT VERASE VKILL VEOF VTIME VMIN VSWTC VSTART
    VSTOP VSUSP VEOL VREPRINT VDISCARD VWERASE VLNEXT VEOL2""")
_POSIX_VDISABLE = 0     # a c_cc entry with this value is disabled

# c_iflag
IGNBRK = 0x001
BRKINT = 0x002
IGNPAR = 0x004
PARMRK = 0x008
INPCK = 0x010
ISTRIP = 0x020
INLCR = 0x040
IGNCR = 0x080
ICRNL = 0x100
IUCLC = 0x0200
IXON = 0x0400
IXANY = 0x800
IXOFF = 0x1000
IMAXBEL = 0x2000
IUTF8 = 0x4000
IFLAGS = _table(globals(), """IGNBRK BRKINT IGNPAR PARMRK INPCK ISTRIP INLCR IGNCR ICRNL
    IUCLC IXON IXANY IXOFF IMAXBEL IUTF8""")

# c_oflag (the *DLY names are masks of multi-bit fields)
OPOST = 0x01
OLCUC = 0x00002
ONLCR = 0x00004
OCRNL = 0x08
ONOCR = 0x10
ONLRET = 0x20
OFILL = 0x40
OFDEL = 0x80
NLDLY = 0x00100
NL0 = 0x00000
NL1 = 0x00100
CRDLY = 0x00600
CR0 = 0x00000
CR1 = 0x00200
CR2 = 0x00400
CR3 = 0x00600
TABDLY = 0x01800
TAB0 = 0x00000
TAB1 = 0x00800
TAB2 = 0x01000
TAB3 = 0x01800
XTABS = 0x01800
BSDLY = 0x02000
BS0 = 0x00000
BS1 = 0x02000
VTDLY = 0x04000
VT0 = 0x00000
VT1 = 0x04000
FFDLY = 0x08000
FF0 = 0x00000
FF1 = 0x08000
OFLAGS = _table(globals(), "OPOST OLCUC ONLCR OCRNL ONOCR ONLRET OFILL OFDEL")
# field mask name -> the names of its values
OFLAG_FIELDS = {
    "NLDLY": ("NL0", "NL1"),
    "CRDLY": ("CR0", "CR1", "CR2", "CR3"),
    "TABDLY": ("TAB0", "TAB1", "TAB2", "TAB3"),
    "BSDLY": ("BS0", "BS1"),
    "VTDLY": ("VT0", "VT1"),
    "FFDLY": ("FF0", "FF1"),
}

# c_cflag
CBAUD = 0x0000100F
CSIZE = 0x00000030
CS5 = 0x00000000
CS6 = 0x00000010
CS7 = 0x00000020
CS8 = 0x00000030
CSTOPB = 0x00000040
CREAD = 0x00000080
PARENB = 0x00000100
PARODD = 0x00000200
HUPCL = 0x00000400
CLOCAL = 0x00000800
CBAUDEX = 0x00001000
BOTHER = 0x00001000
ADDRB = 0x20000000
CMSPAR = 0x40000000
CRTSCTS = 0x80000000
CIBAUD = 0x100F0000
IBSHIFT = 16
CFLAGS = _table(globals(), "CSTOPB CREAD PARENB PARODD HUPCL CLOCAL ADDRB CMSPAR CRTSCTS")
CFLAG_FIELDS = {"CSIZE": ("CS5", "CS6", "CS7", "CS8")}

# speeds (the CBAUD field's codes)
B0 = 0x00000000
B50 = 0x00000001
B75 = 0x00000002
B110 = 0x00000003
B134 = 0x00000004
B150 = 0x00000005
B200 = 0x00000006
B300 = 0x00000007
B600 = 0x00000008
B1200 = 0x00000009
B1800 = 0x0000000A
B2400 = 0x0000000B
B4800 = 0x0000000C
B9600 = 0x0000000D
B19200 = 0x0000000E
B38400 = 0x0000000F
EXTA = B19200
EXTB = B38400
B57600 = 0x00001001
B115200 = 0x00001002
B230400 = 0x00001003
B460800 = 0x00001004
B500000 = 0x00001005
B576000 = 0x00001006
B921600 = 0x00001007
B1000000 = 0x00001008
B1152000 = 0x00001009
B1500000 = 0x0000100A
B2000000 = 0x0000100B
B2500000 = 0x0000100C
B3000000 = 0x0000100D
B3500000 = 0x0000100E
B4000000 = 0x0000100F
SPEEDS = _table(globals(), """B0 B50 B75 B110 B134 B150 B200 B300 B600 B1200 B1800 B2400
    B4800 B9600 B19200 B38400 B57600 B115200 B230400 B460800 B500000 B576000 B921600
    B1000000 B1152000 B1500000 B2000000 B2500000 B3000000 B3500000 B4000000""")
# code -> bits per second
SPEED_BAUD = {v: int(k[1:]) for k, v in SPEEDS.items()}
BAUD_SPEED = {b: c for c, b in SPEED_BAUD.items()}

# c_lflag
ISIG = 0x00001
ICANON = 0x00002
XCASE = 0x00004
ECHO = 0x00008
ECHOE = 0x00010
ECHOK = 0x00020
ECHONL = 0x00040
NOFLSH = 0x00080
TOSTOP = 0x00100
ECHOCTL = 0x00200
ECHOPRT = 0x00400
ECHOKE = 0x00800
FLUSHO = 0x01000
PENDIN = 0x04000
IEXTEN = 0x08000
EXTPROC = 0x10000
LFLAGS = _table(globals(), """ISIG ICANON XCASE ECHO ECHOE ECHOK ECHONL NOFLSH TOSTOP
    ECHOCTL ECHOPRT ECHOKE FLUSHO PENDIN IEXTEN EXTPROC""")

# tcsetattr actions (TCSETS, TCSETSW, TCSETSF), tcflow (TCXONC), tcflush (TCFLSH)
TCSANOW = 0
TCSADRAIN = 1
TCSAFLUSH = 2
TCSETATTR_ACTIONS = _table(globals(), "TCSANOW TCSADRAIN TCSAFLUSH")
TCOOFF = 0
TCOON = 1
TCIOFF = 2
TCION = 3
TCFLOW_ACTIONS = _table(globals(), "TCOOFF TCOON TCIOFF TCION")
TCIFLUSH = 0
TCOFLUSH = 1
TCIOFLUSH = 2
TCFLUSH_QUEUES = _table(globals(), "TCIFLUSH TCOFLUSH TCIOFLUSH")

# line disciplines
N_TTY = 0

# --- ioctl requests -----------------------------------------------------------------------
TCGETS = 0x5401
TCSETS = 0x5402
TCSETSW = 0x5403
TCSETSF = 0x5404
TCGETA = 0x5405
TCSETA = 0x5406
TCSETAW = 0x5407
TCSETAF = 0x5408
TCSBRK = 0x5409
TCXONC = 0x540A
TCFLSH = 0x540B
TIOCEXCL = 0x540C
TIOCNXCL = 0x540D
TIOCSCTTY = 0x540E
TIOCGPGRP = 0x540F
TIOCSPGRP = 0x5410
TIOCOUTQ = 0x5411
TIOCSTI = 0x5412
TIOCGWINSZ = 0x5413
TIOCSWINSZ = 0x5414
TIOCMGET = 0x5415
TIOCMBIS = 0x5416
TIOCMBIC = 0x5417
TIOCMSET = 0x5418
TIOCGSOFTCAR = 0x5419
TIOCSSOFTCAR = 0x541A
FIONREAD = 0x541B
TIOCINQ = FIONREAD
TIOCLINUX = 0x541C
TIOCCONS = 0x541D
TIOCGSERIAL = 0x541E
TIOCSSERIAL = 0x541F
TIOCPKT = 0x5420
FIONBIO = 0x5421
TIOCNOTTY = 0x5422
TIOCSETD = 0x5423
TIOCGETD = 0x5424
TCSBRKP = 0x5425
TIOCSBRK = 0x5427
TIOCCBRK = 0x5428
TIOCGSID = 0x5429
TCGETS2 = _IOR("T", 0x2A, 44)       # struct termios2
TCSETS2 = _IOW("T", 0x2B, 44)
TCSETSW2 = _IOW("T", 0x2C, 44)
TCSETSF2 = _IOW("T", 0x2D, 44)
TIOCGPTN = _IOR("T", 0x30, 4)
TIOCSPTLCK = _IOW("T", 0x31, 4)
TIOCGDEV = _IOR("T", 0x32, 4)
TIOCSIG = _IOW("T", 0x36, 4)
TIOCVHANGUP = 0x5437
TIOCGPKT = _IOR("T", 0x38, 4)
TIOCGPTLCK = _IOR("T", 0x39, 4)
TIOCGEXCL = _IOR("T", 0x40, 4)
TIOCGPTPEER = _IO("T", 0x41)
FIONCLEX = 0x5450
FIOCLEX = 0x5451
FIOASYNC = 0x5452
FIOQSIZE = 0x5460
TTY_IOCTLS = _table(globals(), """
    TCGETS TCSETS TCSETSW TCSETSF TCGETA TCSETA TCSETAW TCSETAF TCSBRK TCXONC TCFLSH
    TIOCEXCL TIOCNXCL TIOCSCTTY TIOCGPGRP TIOCSPGRP TIOCOUTQ TIOCSTI TIOCGWINSZ
    TIOCSWINSZ TIOCMGET TIOCMBIS TIOCMBIC TIOCMSET TIOCGSOFTCAR TIOCSSOFTCAR FIONREAD
    TIOCLINUX TIOCCONS TIOCGSERIAL TIOCSSERIAL TIOCPKT FIONBIO TIOCNOTTY TIOCSETD
    TIOCGETD TCSBRKP TIOCSBRK TIOCCBRK TIOCGSID TCGETS2 TCSETS2 TCSETSW2 TCSETSF2
    TIOCGPTN TIOCSPTLCK TIOCGDEV TIOCSIG TIOCVHANGUP TIOCGPKT TIOCGPTLCK TIOCGEXCL
    TIOCGPTPEER FIONCLEX FIOCLEX FIOASYNC FIOQSIZE""")

TIOCPKT_DATA = 0
TIOCPKT_FLUSHREAD = 1
TIOCPKT_FLUSHWRITE = 2
TIOCPKT_STOP = 4
TIOCPKT_START = 8
TIOCPKT_NOSTOP = 16
TIOCPKT_DOSTOP = 32
TIOCPKT_IOCTL = 64

TIOCM_LE = 0x001
TIOCM_DTR = 0x002
TIOCM_RTS = 0x004
TIOCM_ST = 0x008
TIOCM_SR = 0x010
TIOCM_CTS = 0x020
TIOCM_CAR = 0x040
TIOCM_RNG = 0x080
TIOCM_DSR = 0x100

# --- structures ----------------------------------------------------------------------------
# struct termios { tcflag_t c_iflag, c_oflag, c_cflag, c_lflag; cc_t c_line; cc_t c_cc[19]; }
TERMIOS = _struct.Struct("<IIIIB19s")     # 36 bytes
# struct termios2: termios + speed_t c_ispeed, c_ospeed
TERMIOS2 = _struct.Struct("<IIIIB19sII")  # 44 bytes
# struct winsize { unsigned short ws_row, ws_col, ws_xpixel, ws_ypixel; }
WINSIZE = _struct.Struct("<HHHH")          # 8 bytes

# The Linux view of a terminal's attributes; cc is 19 bytes.
Termios = _namedtuple("Termios", "iflag oflag cflag lflag line cc")
Winsize = _namedtuple("Winsize", "ws_row ws_col ws_xpixel ws_ypixel")


def pack_termios(t):
    """The 36-byte kernel struct termios from a Termios (cc padded/cut to 19)."""
    return TERMIOS.pack(t.iflag, t.oflag, t.cflag, t.lflag, t.line, bytes(t.cc)[:NCCS])


def unpack_termios(data):
    return Termios(*TERMIOS.unpack_from(data))


def pack_termios2(t, ispeed, ospeed):
    """struct termios2 with explicit speeds in bits per second."""
    return TERMIOS2.pack(t.iflag, t.oflag, t.cflag, t.lflag, t.line, bytes(t.cc)[:NCCS],
                         ispeed, ospeed)


def unpack_termios2(data):
    """(Termios, ispeed, ospeed) from a struct termios2."""
    iflag, oflag, cflag, lflag, line, cc, ispeed, ospeed = TERMIOS2.unpack_from(data)
    return Termios(iflag, oflag, cflag, lflag, line, cc), ispeed, ospeed


def cflag_speeds(cflag):
    """(ispeed_code, ospeed_code) B* codes from c_cflag: CBAUD is the output
    speed; CIBAUD the input speed, 0 meaning "same as output"."""
    ospeed = cflag & CBAUD
    ispeed = (cflag & CIBAUD) >> IBSHIFT
    return (ispeed or ospeed), ospeed


def pack_winsize(ws_row, ws_col, ws_xpixel=0, ws_ypixel=0):
    return WINSIZE.pack(ws_row, ws_col, ws_xpixel, ws_ypixel)


def unpack_winsize(data):
    return Winsize(*WINSIZE.unpack_from(data))
