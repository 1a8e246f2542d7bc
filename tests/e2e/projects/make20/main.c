#include <stdio.h>
#include <stdlib.h>
#include "common.h"
int main(int argc, char **argv) { (void)argv; printf("total %d\n", f0(argc + 0) + f1(argc + 1) + f2(argc + 2) + f3(argc + 3) + f4(argc + 4) + f5(argc + 5) + f6(argc + 6) + f7(argc + 7) + f8(argc + 8) + f9(argc + 9) + f10(argc + 10) + f11(argc + 11) + f12(argc + 12) + f13(argc + 13) + f14(argc + 14) + f15(argc + 15) + f16(argc + 16) + f17(argc + 17) + f18(argc + 18) + f19(argc + 19)); return 0; }
