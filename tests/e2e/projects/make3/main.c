#include <stdio.h>
#include <stdlib.h>
#include "common.h"
int main(int argc, char **argv) { (void)argv; printf("total %d\n", f0(argc + 0) + f1(argc + 1) + f2(argc + 2)); return 0; }
