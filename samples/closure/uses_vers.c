/* Linked against the VERS_2 libvers.so: needs vers_new@VERS_2. */
#include <stdio.h>

int vers_old(void);
int vers_new(void);

int main(void)
{
    printf("%d %d\n", vers_old(), vers_new());
    return 0;
}
