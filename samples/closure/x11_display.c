/* An X11 client for the launcher tests (tests/packager/test_mac_app_start.py):
 * linked against libX11, so the packer records it as an X11 program; prints
 * the DISPLAY it was given and whether XOpenDisplay reached a server. */
#include <X11/Xlib.h>
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    const char *d = getenv("DISPLAY");
    Display *dpy;

    printf("DISPLAY=%s\n", d ? d : "(unset)");
    fflush(stdout);
    dpy = XOpenDisplay(NULL);
    printf("XOpenDisplay: %s\n", dpy ? "connected" : "no server");
    if (dpy)
        XCloseDisplay(dpy);
    return 0;
}
