/* A library that says which copy of it was loaded: build with -DWHICH='"A"'.
 * Other libraries are made from it by renaming the function, e.g.
 * -Ddep_which=leaf_which. */
#ifndef WHICH
#define WHICH "?"
#endif

const char *dep_which(void) { return WHICH; }
