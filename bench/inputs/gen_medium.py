"""Generates bench/inputs/medium.c, the "medium C file" the gcc benchmark
compiles: a few thousand lines of ordinary C (structs, hash tables, sorting,
string handling, a bytecode interpreter, fixed-point maths), produced
deterministically from a fixed seed so that regenerating it gives the same
bytes.  Run: python3 bench/inputs/gen_medium.py > bench/inputs/medium.c
"""
import random

R = random.Random(20240607)
OPS = ["+", "-", "^", "|", "&", "*"]


def expr(vars_, depth=0):
    if depth > 2 or R.random() < 0.3:
        v = R.choice(vars_)
        return v if R.random() < 0.7 else "(%s >> %d)" % (v, R.randint(1, 7))
    return "(%s %s %s)" % (expr(vars_, depth + 1), R.choice(OPS), expr(vars_, depth + 1))


def gen_struct(i):
    fields = ["int id", "unsigned flags", "double weight", "char name[24]", "long long stamp"]
    R.shuffle(fields)
    body = "".join("    %s;\n" % f for f in fields)
    return ("struct rec%d {\n%s    struct rec%d *next;\n};\n\n" % (i, body, i) +
            "static unsigned rec%d_hash(const struct rec%d *r)\n{\n"
            "    unsigned h = 2166136261u ^ (unsigned)r->id;\n"
            "    for (const char *p = r->name; *p; p++) h = (h ^ (unsigned char)*p) * 16777619u;\n"
            "    return h ^ (r->flags << %d);\n}\n\n" % (i, i, R.randint(1, 9)) +
            "static int rec%d_cmp(const void *a, const void *b)\n{\n"
            "    const struct rec%d *x = a, *y = b;\n"
            "    if (x->weight != y->weight) return x->weight < y->weight ? -1 : 1;\n"
            "    if (x->id != y->id) return x->id - y->id;\n"
            "    return strcmp(x->name, y->name);\n}\n\n" % (i, i) +
            "static struct rec%d *rec%d_table_insert(struct rec%d **tab, unsigned size, struct rec%d *r)\n{\n"
            "    unsigned h = rec%d_hash(r) %% size;\n"
            "    for (struct rec%d *p = tab[h]; p; p = p->next)\n"
            "        if (p->id == r->id && !strcmp(p->name, r->name)) { p->weight += r->weight; return p; }\n"
            "    r->next = tab[h];\n    tab[h] = r;\n    return r;\n}\n\n" % ((i,) * 6) +
            "long long rec%d_workload(int n)\n{\n"
            "    struct rec%d *arr = calloc((size_t)n, sizeof *arr);\n"
            "    struct rec%d **tab = calloc(257, sizeof *tab);\n"
            "    long long acc = 0;\n"
            "    if (!arr || !tab) return -1;\n"
            "    for (int k = 0; k < n; k++) {\n"
            "        arr[k].id = (k * %d) %% %d;\n"
            "        arr[k].flags = (unsigned)(k ^ %d);\n"
            "        arr[k].weight = (double)((k * %d) %% 97) / %d.0;\n"
            "        snprintf(arr[k].name, sizeof arr[k].name, \"r%d_%%d\", k %% %d);\n"
            "        arr[k].stamp = (long long)k * %d;\n"
            "        rec%d_table_insert(tab, 257, &arr[k]);\n"
            "    }\n"
            "    qsort(arr, (size_t)n, sizeof *arr, rec%d_cmp);\n"
            "    for (int k = 0; k < n; k++) acc += (long long)rec%d_hash(&arr[k]) + arr[k].stamp;\n"
            "    free(tab);\n    free(arr);\n    return acc;\n}\n\n" % (
                i, i, i, R.randint(3, 99), R.randint(50, 500), R.randint(1, 1000),
                R.randint(3, 50), R.randint(2, 9), i, R.randint(5, 40), R.randint(1, 100), i, i, i))


def gen_mix(i):
    vars_ = ["a", "b", "c", "d"]
    lines = ["static unsigned long mix%d(unsigned long a, unsigned long b, unsigned long c)\n{\n" % i,
             "    unsigned long d = a ^ 0x%xUL;\n" % R.getrandbits(32)]
    for k in range(R.randint(6, 14)):
        v = R.choice(vars_)
        lines.append("    %s = %s;\n" % (v, expr(vars_)))
        if R.random() < 0.3:
            lines.append("    if (%s %% %d == %d) %s += %d; else %s ^= %s;\n" % (
                R.choice(vars_), R.randint(2, 13), R.randint(0, 1), R.choice(vars_), R.randint(1, 999),
                R.choice(vars_), R.choice(vars_)))
    lines.append("    return a + b * 3 + c * 5 + d * 7;\n}\n\n")
    return "".join(lines)


def gen_interp():
    n_ops = 48
    out = ["enum op {"]
    out.append(", ".join("OP_%d" % k for k in range(n_ops)) + ", OP_HALT };\n\n")
    out.append("long long run_program(const unsigned char *code, int len, long long *regs)\n{\n"
               "    int pc = 0; long long steps = 0;\n"
               "    while (pc < len && steps < 1000000) {\n"
               "        unsigned char op = code[pc], r1 = code[(pc + 1) % len] & 7, r2 = code[(pc + 2) % len] & 7;\n"
               "        steps++;\n        switch (op % (OP_HALT + 1)) {\n")
    for k in range(n_ops):
        kind = R.randint(0, 5)
        if kind == 0:
            stmt = "regs[r1] += regs[r2] + %d;" % R.randint(1, 100)
        elif kind == 1:
            stmt = "regs[r1] ^= regs[r2] << %d;" % R.randint(1, 20)
        elif kind == 2:
            stmt = "regs[r1] = regs[r1] * %d + regs[r2];" % R.randint(3, 31)
        elif kind == 3:
            stmt = "if (regs[r1] > regs[r2]) { pc += %d; continue; }" % R.randint(1, 5)
        elif kind == 4:
            stmt = "regs[r1] = regs[r2] ? regs[r1] %% (regs[r2] | 1) : %d;" % R.randint(1, 9)
        else:
            stmt = "regs[(r1 + %d) & 7] -= regs[r2] >> %d;" % (R.randint(1, 7), R.randint(1, 9))
        out.append("        case OP_%d: %s break;\n" % (k, stmt))
    out.append("        default: return steps;\n        }\n        pc += 3;\n    }\n    return steps;\n}\n\n")
    return "".join(out)


def gen_fixed(i):
    return ("static int fx%d_mul(int a, int b) { return (int)(((long long)a * b) >> 16); }\n"
            "static int fx%d_div(int a, int b) { return b ? (int)(((long long)a << 16) / b) : 0x7fffffff; }\n"
            "int fx%d_poly(int x)\n{\n"
            "    int acc = %d;\n"
            "    for (int k = 0; k < %d; k++) acc = fx%d_mul(acc, x) + fx%d_div(%d << 16, k + %d);\n"
            "    return acc;\n}\n\n" % (i, i, i, R.randint(1, 65536), R.randint(3, 9), i, i,
                                      R.randint(1, 50), R.randint(1, 5)))


def gen_strings(i):
    return ("size_t str%d_transform(char *dst, const char *src, size_t cap)\n{\n"
            "    size_t o = 0;\n"
            "    for (size_t k = 0; src[k] && o + 3 < cap; k++) {\n"
            "        char ch = src[k];\n"
            "        if (ch >= 'a' && ch <= 'z') dst[o++] = (char)('a' + (ch - 'a' + %d) %% 26);\n"
            "        else if (ch >= '0' && ch <= '9') { dst[o++] = ch; dst[o++] = ch; }\n"
            "        else if (ch == ' ') { if (o && dst[o - 1] != '_') dst[o++] = '_'; }\n"
            "        else dst[o++] = (char)(ch ^ %d);\n"
            "    }\n    dst[o] = 0;\n    return o;\n}\n\n" % (i, R.randint(1, 25), R.randint(1, 31)))


def main():
    parts = ["/* medium.c: generated by bench/inputs/gen_medium.py (deterministic; do not edit).\n"
             " * Input of the gcc -O2 -c benchmark. */\n",
             "#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n\n"]
    n = 24
    for i in range(n):
        parts.append(gen_struct(i))
        parts.append(gen_mix(i))
        parts.append(gen_fixed(i))
        parts.append(gen_strings(i))
    parts.append(gen_interp())
    parts.append("unsigned long mix_all(unsigned long seed)\n{\n    unsigned long s = seed;\n")
    for i in range(n):
        parts.append("    s = mix%d(s, s >> 3, %dUL);\n" % (i, R.randint(1, 1 << 30)))
    parts.append("    return s;\n}\n\nlong long run_all(int n)\n{\n    long long t = 0;\n")
    for i in range(n):
        parts.append("    t += rec%d_workload(n) + fx%d_poly(n << 8);\n" % (i, i))
    parts.append("    return t;\n}\n")
    print("".join(parts), end="")


if __name__ == "__main__":
    main()
