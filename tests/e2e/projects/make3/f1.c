#include <stdio.h>
#include <string.h>
#include "common.h"
int f1(int x) { char b[32]; snprintf(b, sizeof b, "%d", x * 2); return (int)strlen(b) + x; }
