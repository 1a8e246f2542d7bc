#include <stdio.h>
#include <string.h>
#include "common.h"
int f18(int x) { char b[32]; snprintf(b, sizeof b, "%d", x * 19); return (int)strlen(b) + x; }
