#include <stdio.h>
#include <string.h>
#include "common.h"
int f7(int x) { char b[32]; snprintf(b, sizeof b, "%d", x * 8); return (int)strlen(b) + x; }
