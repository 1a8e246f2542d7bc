#include <stdio.h>
#include <string.h>
#include "common.h"
int f15(int x) { char b[32]; snprintf(b, sizeof b, "%d", x * 16); return (int)strlen(b) + x; }
