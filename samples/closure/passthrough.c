/* Shows what a bundle's launcher must pass through: argv, the environment,
 * the cwd, stdin and stdout, and the exit status (argv[1]). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    char cwd[4096], line[256];
    const char *t = getenv("LXPACK_T");
    int i;

    for (i = 1; i < argc; i++)
        printf("arg%d=%s\n", i, argv[i]);
    printf("env=%s\n", t ? t : "(unset)");
    printf("cwd=%s\n", getcwd(cwd, sizeof cwd) ? cwd : "?");
    if (fgets(line, sizeof line, stdin) != NULL)
        printf("stdin=%s", line);
    return argc > 1 ? atoi(argv[1]) : 0;
}
