#include <stdio.h>

int chain_value(void);

int main(void)
{
    printf("%d\n", chain_value());
    return 0;
}
