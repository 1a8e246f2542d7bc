/* A versioned library: vers_old is VERS_1; with -DWITH_V2, vers_new is VERS_2. */
int vers_old(void) { return 1; }

#ifdef WITH_V2
int vers_new(void) { return 2; }
#endif
