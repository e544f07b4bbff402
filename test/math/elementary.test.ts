import assert from "node:assert/strict";
import { test } from "node:test";
import { cos, erf, exp, expm1, log, log1p, pow, sigmoid, sin, tanh } from "../../src/math/index.js";
import { fixturePath } from "../helpers/fixtures.js";
import { measure, readRows } from "./ulp.js";

// Documented bounds (docs/NUMERICS.md), checked on the committed sweep of correctly rounded references
// produced by scripts/gen-math-reference.py (mpmath, 60 digits).
const BOUNDS: [string, (...a: number[]) => number, number, number][] = [
  ["exp", exp, 1, 1],
  ["expm1", expm1, 1, 1],
  ["log", log, 1, 1],
  ["log1p", log1p, 1, 1],
  ["sin", sin, 1, 1],
  ["cos", cos, 1, 1],
  ["tanh", tanh, 1, 1],
  ["erf", erf, 1, 1],
  ["sigmoid", sigmoid, 1, 1.5],
  ["pow", pow, 2, 1],
];

for (const [name, fn, arity, bound] of BOUNDS) {
  test(`${name}: within ${bound} ulp of the correctly rounded value on the reference sweep`, () => {
    const summary = measure(readRows(fixturePath("math", `${name}.f64`), arity + 2), arity, fn);
    assert.equal(summary.count, 2000);
    assert.ok(summary.maxUlp <= bound, `${name} max error ${summary.maxUlp} ulp at (${summary.worstInput})`);
    // Most results must be correctly rounded, not merely within the bound.
    assert.ok(summary.correctlyRounded / summary.count > 0.5, `${name}: only ${summary.correctlyRounded} exact`);
  });
}

test("special values follow IEEE 754 / C99", () => {
  assert.equal(exp(0), 1);
  assert.equal(exp(Number.NEGATIVE_INFINITY), 0);
  assert.equal(exp(Number.POSITIVE_INFINITY), Number.POSITIVE_INFINITY);
  assert.equal(exp(710), Number.POSITIVE_INFINITY);
  assert.equal(exp(-746), 0);
  assert.ok(Number.isNaN(exp(Number.NaN)));
  assert.equal(exp(-745), 5e-324); // subnormal result rounded once
  assert.equal(expm1(-0), -0);
  assert.equal(expm1(Number.NEGATIVE_INFINITY), -1);
  assert.equal(expm1(1e-300), 1e-300);
  assert.equal(log(1), 0);
  assert.equal(log(0), Number.NEGATIVE_INFINITY);
  assert.equal(log(-0), Number.NEGATIVE_INFINITY);
  assert.ok(Number.isNaN(log(-1)));
  assert.equal(log(Number.POSITIVE_INFINITY), Number.POSITIVE_INFINITY);
  assert.equal(log(5e-324), -744.4400719213812);
  assert.equal(log1p(-1), Number.NEGATIVE_INFINITY);
  assert.ok(Number.isNaN(log1p(-2)));
  assert.equal(log1p(-0), -0);
  assert.equal(sin(-0), -0);
  assert.equal(cos(0), 1);
  assert.ok(Number.isNaN(sin(Number.POSITIVE_INFINITY)));
  assert.ok(Number.isNaN(cos(Number.NEGATIVE_INFINITY)));
  assert.equal(tanh(Number.NEGATIVE_INFINITY), -1);
  assert.equal(tanh(-0), -0);
  assert.equal(erf(Number.POSITIVE_INFINITY), 1);
  assert.equal(erf(-0), -0);
  assert.equal(sigmoid(0), 0.5);
  assert.equal(sigmoid(Number.NEGATIVE_INFINITY), 0);
});

test("pow special cases are C99's (not Math.pow's)", () => {
  assert.equal(pow(Number.NaN, 0), 1);
  assert.equal(pow(1, Number.NaN), 1);
  assert.equal(pow(-1, Number.POSITIVE_INFINITY), 1);
  assert.ok(Number.isNaN(pow(-2, 0.5)));
  assert.equal(pow(-2, 3), -8);
  assert.equal(pow(-2, -3), -0.125);
  assert.equal(pow(-0, -3), Number.NEGATIVE_INFINITY);
  assert.equal(pow(0, -2), Number.POSITIVE_INFINITY);
  assert.equal(pow(-0, 3), -0);
  assert.equal(pow(Number.NEGATIVE_INFINITY, 3), Number.NEGATIVE_INFINITY);
  assert.equal(pow(Number.NEGATIVE_INFINITY, -3), -0);
  assert.equal(pow(0.5, Number.NEGATIVE_INFINITY), Number.POSITIVE_INFINITY);
  assert.equal(pow(2, Number.NEGATIVE_INFINITY), 0);
  assert.equal(pow(10, 400), Number.POSITIVE_INFINITY);
  assert.equal(pow(-10, 401), Number.NEGATIVE_INFINITY);
  assert.equal(pow(10, -400), 0);
  // Exact powers come out exact.
  assert.equal(pow(2, 10), 1024);
  assert.equal(pow(2, -1074), 5e-324);
  assert.equal(pow(3, 4), 81);
  assert.equal(pow(10, 15), 1e15);
  assert.equal(pow(4, 0.5), 2);
  assert.equal(pow(8, 1 / 3), 2);
});

test("huge arguments of sin/cos are reduced exactly", () => {
  // Known values: sin(1e22) and cos(1e22) (correctly rounded, from mpmath).
  assert.equal(sin(1e22), -0.8522008497671888);
  assert.equal(cos(1e22), 0.523214785395139);
  assert.equal(sin(-1e22), 0.8522008497671888);
  // 2^1023: the largest exponents use the top of the 2/π table.
  assert.equal(sin(2 ** 1023), 0.563127779850884);
});
