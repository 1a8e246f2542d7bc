#include <stdio.h>
#include <string.h>
#include "common.h"
int f13(int x) { char b[32]; snprintf(b, sizeof b, "%d", x * 14); return (int)strlen(b) + x; }
