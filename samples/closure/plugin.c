/* A plugin, dlopen'd by dlopen_main; needs libplugdep.so (libdep.c renamed). */
const char *plugdep_which(void);

const char *plugin_hello(void) { return plugdep_which(); }
