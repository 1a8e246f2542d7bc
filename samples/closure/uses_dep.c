/* Prints which copy of libdep.so the dynamic loader chose. */
#include <stdio.h>

const char *dep_which(void);

int main(void)
{
    puts(dep_which());
    return 0;
}
