#include <stdio.h>
#include <string.h>
#include "common.h"
int f10(int x) { char b[32]; snprintf(b, sizeof b, "%d", x * 11); return (int)strlen(b) + x; }
