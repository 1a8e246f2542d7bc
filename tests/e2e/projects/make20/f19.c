#include <stdio.h>
#include <string.h>
#include "common.h"
int f19(int x) { char b[32]; snprintf(b, sizeof b, "%d", x * 20); return (int)strlen(b) + x; }
