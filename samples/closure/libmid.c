/* A library that needs another one (libleaf.so) to answer. */
const char *leaf_which(void);

const char *mid_which(void) { return leaf_which(); }
