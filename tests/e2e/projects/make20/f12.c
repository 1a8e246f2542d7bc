#include <stdio.h>
#include <string.h>
#include "common.h"
int f12(int x) { char b[32]; snprintf(b, sizeof b, "%d", x * 13); return (int)strlen(b) + x; }
