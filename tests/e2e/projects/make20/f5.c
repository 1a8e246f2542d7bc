#include <stdio.h>
#include <string.h>
#include "common.h"
int f5(int x) { char b[32]; snprintf(b, sizeof b, "%d", x * 6); return (int)strlen(b) + x; }
