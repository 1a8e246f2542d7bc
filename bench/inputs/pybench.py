"""Small pure-Python benchmark for lxpack's bench suite: dict/list/str work,
a little recursion and arithmetic.  Deterministic output (a checksum)."""
import sys


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def main(scale):
    words = {}
    acc = 0
    for i in range(20000 * scale):
        key = "w%d" % (i * 7919 % 5003)
        words[key] = words.get(key, 0) + i
    items = sorted(words.items(), key=lambda kv: (kv[1] % 1009, kv[0]))
    acc += sum(v for _, v in items[:100])
    text = " ".join(k for k, _ in items)
    acc += len(text.split("w1")) + text.count("3")
    acc += fib(18 + scale)
    primes = [p for p in range(2, 20000) if all(p % q for q in range(2, int(p ** 0.5) + 1))]
    acc += len(primes) + sum(primes[-10:])
    print("pybench scale=%d acc=%d" % (scale, acc))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
