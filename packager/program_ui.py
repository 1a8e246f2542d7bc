"""What a packed program shows itself on: a terminal ("cli") or an X server
("x11"), decided at pack time and recorded in the manifest (`ui`).

Owns: the list of libraries that mark a program as an X11 (windowed) one.
Only the program's own DT_NEEDED counts, not its whole closure: a command-
line tool such as ImageMagick's `convert` reaches libX11 through a library
and still runs in a terminal, while a windowed program names its X, GL or
toolkit library itself (xterm: libX11, a GTK program: libgtk-3). The
bundle's launcher reads the answer (templates/launcher.sh.j2): a double-
clicked command-line program gets a Terminal window, an X11 one an X
server's DISPLAY (docs/MACOS.md).

Imports: nothing of lxpack.
"""
from __future__ import annotations

import re

CLI = "cli"
X11 = "x11"

# X client libraries (libX11, libXext, libXt, libxcb and its extensions),
# OpenGL on GLX, and the toolkits that draw through X on Linux.
_WINDOWED = re.compile(
    r"^(libX[A-Za-z0-9_]*|libxcb(-[a-z0-9_-]+)?|libxkbcommon-x11|libGL|libGLX|libGLU|libOpenGL|libglut"
    r"|libgtk-[a-z0-9.-]+|libgdk-[a-z0-9.-]+|libQt[56]?(Gui|Widgets)|libSDL2?(-[0-9.]+)?|libglfw"
    r"|libtk[0-9.]+|libfltk|libwx_gtk[a-z0-9_.-]*)\.so(\.|$)")


def classify(needed: list[str]) -> tuple[str, str | None]:
    """(ui, the library that decided it) for a program's DT_NEEDED names."""
    for name in needed:
        if _WINDOWED.match(name):
            return X11, name
    return CLI, None
