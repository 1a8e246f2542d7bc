#include <stdio.h>
#include <string.h>
#include "common.h"
int f17(int x) { char b[32]; snprintf(b, sizeof b, "%d", x * 18); return (int)strlen(b) + x; }
