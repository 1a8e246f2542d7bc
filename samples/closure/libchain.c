/* Installed as libchain.so.1.0.0 with soname libchain.so.1 and symlinks. */
int chain_value(void) { return 42; }
