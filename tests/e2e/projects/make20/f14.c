#include <stdio.h>
#include <string.h>
#include "common.h"
int f14(int x) { char b[32]; snprintf(b, sizeof b, "%d", x * 15); return (int)strlen(b) + x; }
