#include <stdio.h>
#include <string.h>
#include "common.h"
int f3(int x) { char b[32]; snprintf(b, sizeof b, "%d", x * 4); return (int)strlen(b) + x; }
