# Regenerates the constants embedded in src/math/erf.ts and src/math/trig.ts with mpmath (not run by the build).
# Usage: python3 scripts/gen-math-constants.py
from mpmath import mp, mpf, erfc, exp, cos, pi, floor

mp.dps = 60


def scaled_erfc(x):
    return exp(x * x) * erfc(x)


def chebyshev(a, b, tol):
    """Chebyshev interpolation coefficients of scaled_erfc on [a, b], truncated once |c_n| < tol * |c_0|."""
    a, b = mpf(a), mpf(b)
    for n in range(6, 40):
        count = n + 1
        nodes = [cos(pi * (k + mpf(1) / 2) / count) for k in range(count)]
        values = [scaled_erfc((b - a) / 2 * t + (a + b) / 2) for t in nodes]
        coeffs = []
        for j in range(count):
            s = sum(values[k] * cos(pi * j * (k + mpf(1) / 2) / count) for k in range(count))
            coeffs.append(2 * s / count)
        coeffs[0] /= 2
        if abs(coeffs[-1]) < tol * abs(coeffs[0]):
            return coeffs
    raise RuntimeError("no convergence")


print("// erfc(x)·exp(x²) Chebyshev coefficients per interval")
for a, b in [(1, 1.5), (1.5, 2.25), (2.25, 3.5), (3.5, 6)]:
    cs = chebyshev(a, b, mpf("1e-17"))
    print(f"[{a}, {b}]:", ", ".join(repr(float(c)) for c in cs))

bits = 1280
mp.dps = 500
two_over_pi = int(floor(2 / pi * mpf(2) ** bits))
print(f"// floor(2/pi * 2^{bits}) in hex")
print(hex(two_over_pi))
