/* Needs libmid.so, which needs libleaf.so. */
#include <stdio.h>

const char *mid_which(void);

int main(void)
{
    puts(mid_which());
    return 0;
}
