#include <stdio.h>
#include <string.h>
#include "common.h"
int f9(int x) { char b[32]; snprintf(b, sizeof b, "%d", x * 10); return (int)strlen(b) + x; }
