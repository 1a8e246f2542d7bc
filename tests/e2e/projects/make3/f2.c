#include <stdio.h>
#include <string.h>
#include "common.h"
int f2(int x) { char b[32]; snprintf(b, sizeof b, "%d", x * 3); return (int)strlen(b) + x; }
