// Dense accuracy sweep of src/math against a correctly rounded reference (docs/NUMERICS.md).
// Usage: python3 scripts/gen-math-reference.py /tmp/mathref 200000 7 && npm run build &&
//        node scripts/measure-math-ulp.mjs /tmp/mathref
import { cos, erf, exp, expm1, log, log1p, pow, sigmoid, sin, tanh } from "../dist/src/math/index.js";
import { measure, readRows } from "../dist/test/math/ulp.js";

const dir = process.argv[2] ?? "test/fixtures/math";
const functions = { exp, expm1, log, log1p, sin, cos, tanh, erf, sigmoid, pow };
for (const [name, fn] of Object.entries(functions)) {
  const arity = name === "pow" ? 2 : 1;
  const s = measure(readRows(`${dir}/${name}.f64`, arity + 2), arity, fn);
  const pct = ((100 * s.correctlyRounded) / s.count).toFixed(3);
  console.log(
    `${name.padEnd(8)} n=${s.count} max=${s.maxUlp.toFixed(3)} ulp at (${s.worstInput.join(", ")}) correctly rounded ${pct}%`,
  );
}
