#include <stdio.h>
#include <string.h>
#include "common.h"
int f0(int x) { char b[32]; snprintf(b, sizeof b, "%d", x * 1); return (int)strlen(b) + x; }
