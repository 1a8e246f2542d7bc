/* dlopens the plugin named by argv[1] and prints what it says. */
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    void *h;
    const char *(*hello)(void);

    if (argc < 2) {
        fprintf(stderr, "usage: %s PLUGIN\n", argv[0]);
        return 2;
    }
    h = dlopen(argv[1], RTLD_NOW);
    if (h == NULL) {
        fprintf(stderr, "%s\n", dlerror());
        return 1;
    }
    hello = (const char *(*)(void))dlsym(h, "plugin_hello");
    if (hello == NULL) {
        fprintf(stderr, "%s\n", dlerror());
        return 1;
    }
    puts(hello());
    return 0;
}
