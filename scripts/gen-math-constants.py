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

mp.dps = 60


def chebyshev_of(fn, a, b, tol):
    a, b = mpf(a), mpf(b)
    for n in range(4, 40):
        count = n + 1
        nodes = [cos(pi * (k + mpf(1) / 2) / count) for k in range(count)]
        values = [fn((b - a) / 2 * t + (a + b) / 2) for t in nodes]
        coeffs = []
        for j in range(count):
            s = sum(values[k] * cos(pi * j * (k + mpf(1) / 2) / count) for k in range(count))
            coeffs.append(2 * s / count)
        coeffs[0] /= 2
        if abs(coeffs[-1]) < tol * abs(coeffs[0]):
            return coeffs
    raise RuntimeError("no convergence")


from mpmath import erf as mp_erf, tanh as mp_tanh, sqrt  # noqa: E402


def tanh_g(u):
    # (tanh(x)/x − 1)/u with u = x², continued to u = 0 by its series (−1/3 + 2u/15 − …).
    if u == 0:
        return mpf(-1) / 3
    x = sqrt(u)
    return (mp_tanh(x) / x - 1) / u


print("// tanh: Chebyshev coefficients of (tanh(x)/x − 1)/x² in u = x² on [0, 0.5625]")
print(", ".join(repr(float(c)) for c in chebyshev_of(tanh_g, 0, mpf("0.5625"), mpf("1e-18"))))
E1 = mp_erf(1)
print("// erf(1) as hi, lo:", repr(float(E1)), repr(float(E1 - mpf(float(E1)))))


def erf_g(t):
    # (erf(1 + t) − erf(1))/t, continued to t = 0 by erf'(1) = 2/(e√π).
    if t == 0:
        return 2 / sqrt(pi) * exp(-1)
    return (mp_erf(1 + t) - E1) / t


print("// erf: Chebyshev coefficients of (erf(1 + t) − erf(1))/t on t in [−0.25, 0.25]")
print(", ".join(repr(float(c)) for c in chebyshev_of(erf_g, mpf("-0.25"), mpf("0.25"), mpf("1e-18"))))
