#include <stdio.h>
#include <string.h>
#include "common.h"
int f11(int x) { char b[32]; snprintf(b, sizeof b, "%d", x * 12); return (int)strlen(b) + x; }
