int f0(int x);
int f1(int x);
int f2(int x);
