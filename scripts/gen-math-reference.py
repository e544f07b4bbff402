# Writes correctly rounded references for src/math as little-endian float64 rows (x[, y], hi, d), where
# hi is the exact value rounded to nearest (mpmath at 60 digits) and d = (exact − hi) / ulp(hi), in [−0.5, 0.5]
# (stored in ulps so that it does not underflow for tiny results). Used for the committed test fixtures
# (small N) and for the dense sweep behind docs/NUMERICS.md (large N, written outside the repo).
# Usage: python3 scripts/gen-math-reference.py OUT_DIR N [SEED]
import math
import random
import struct
import sys

from mpmath import mp, mpf

mp.dps = 60
out_dir, count = sys.argv[1], int(sys.argv[2])
rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1234)


def uniform(a, b):
    return rng.uniform(a, b)


def log_uniform(a, b):
    return math.exp(rng.uniform(math.log(a), math.log(b)))


def signed(v):
    return v if rng.random() < 0.5 else -v


def random_double(max_exp):
    # random sign, exponent in [-1074, max_exp], random fraction bits
    bits = rng.getrandbits(52) | ((rng.randint(1, 1023 + max_exp)) << 52)
    return struct.unpack("<d", struct.pack("<Q", bits))[0]


def sample(gens):
    # cycle through the generators so each range gets count/len(gens) points
    return [gens[i % len(gens)]() for i in range(count)]


cases = {
    "exp": (mp.exp, [lambda: uniform(-745.1, 709.78), lambda: uniform(-1, 1), lambda: uniform(-20, 20),
                     lambda: signed(log_uniform(1e-12, 1))]),
    "expm1": (mp.expm1, [lambda: uniform(-40, 709.78), lambda: uniform(-1, 1), lambda: uniform(-3, 3),
                         lambda: signed(log_uniform(1e-20, 1))]),
    "log": (mp.log, [lambda: abs(random_double(1023)), lambda: uniform(0.5, 2), lambda: uniform(0.9, 1.1),
                     lambda: log_uniform(1e-300, 1e300)]),
    "log1p": (mp.log1p, [lambda: uniform(-0.999, 1), lambda: signed(log_uniform(1e-20, 0.5)),
                         lambda: log_uniform(0.5, 1e300), lambda: uniform(-0.5, 2)]),
    "sin": (mp.sin, [lambda: uniform(-10, 10), lambda: uniform(-1, 1), lambda: uniform(-2000, 2000),
                     lambda: signed(log_uniform(1e3, 1e300))]),
    "cos": (mp.cos, [lambda: uniform(-10, 10), lambda: uniform(-1, 1), lambda: uniform(-2000, 2000),
                     lambda: signed(log_uniform(1e3, 1e300))]),
    "tanh": (mp.tanh, [lambda: uniform(-25, 25), lambda: uniform(-1, 1), lambda: signed(log_uniform(1e-10, 1))]),
    "erf": (mp.erf, [lambda: uniform(-7, 7), lambda: uniform(-1, 1), lambda: uniform(-3, 3),
                     lambda: signed(log_uniform(1e-10, 1))]),
    "sigmoid": (lambda v: 1 / (1 + mp.exp(-v)), [lambda: uniform(-40, 40), lambda: uniform(-5, 5)]),
}


def write(name, rows):
    with open(f"{out_dir}/{name}.f64", "wb") as f:
        for row in rows:
            f.write(struct.pack(f"<{len(row)}d", *row))


def ulp(hi):
    a = abs(hi)
    if a < 2.2250738585072014e-308:
        return mpf(2) ** -1074
    return mpf(math.nextafter(a, math.inf) - a) if a != math.inf else mpf(1)


def dd(v):
    hi = float(v)
    if math.isinf(hi):
        return hi, 0.0
    return hi, float((v - mpf(hi)) / ulp(hi))


for name, (fn, gens) in cases.items():
    xs = sample(gens)
    write(name, [(x, *dd(fn(mpf(x)))) for x in xs])


def pow_point(i):
    kind = i % 4
    if kind == 0:  # general positive base, result in range
        x = log_uniform(1e-4, 1e4)
        y = uniform(-700, 700) / abs(math.log(x))
        return x, y
    if kind == 1:  # moderate base and exponent
        return uniform(0, 10), uniform(-20, 20)
    if kind == 2:  # negative base, integer exponent
        return -log_uniform(0.1, 10), float(rng.randint(-60, 60))
    x = 1 + signed(log_uniform(1e-15, 1e-2))  # base near 1, large exponent
    return x, uniform(-600, 600) / abs(math.log(x))


rows = []
for i in range(count):
    x, y = pow_point(i)
    rows.append((x, y, *dd(mp.power(mpf(x), mpf(y)))))
write("pow", rows)
