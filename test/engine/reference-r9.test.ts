// NUMERICS.md §R9 as a guard: no implementation-defined Math function may produce output anywhere in the
// library (src/hub and src/cli do no numerics and are exempt), and the elementary functions and the
// reference backend do not even use `**` (whose accuracy ECMAScript leaves to the engine).
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const srcRoot = fileURLToPath(new URL("../../../src/", import.meta.url));
const FORBIDDEN_MATH =
  /Math\.(exp|expm1|log|log1p|log2|log10|sin|cos|tan|asin|acos|atan|atan2|sinh|cosh|tanh|asinh|acosh|atanh|pow|cbrt|hypot)\b/;

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (name.endsWith(".ts")) out.push(path);
  }
  return out;
}

/** Source text without comments and string/template literals (enough for this scan). */
function code(path: string): string {
  return readFileSync(path, "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/\/\/.*$/gm, "")
    .replace(/`(?:\\.|[^`\\])*`|"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'/g, '""');
}

test("R9: no Math.exp/log/sin/cos/tanh/pow/… anywhere in the numeric library", () => {
  const offenders: string[] = [];
  for (const path of sources(srcRoot)) {
    const rel = path.slice(srcRoot.length);
    if (rel.startsWith("hub/") || rel.startsWith("cli/")) continue;
    const match = code(path).match(FORBIDDEN_MATH);
    if (match) offenders.push(`${rel}: ${match[0]}`);
  }
  assert.deepEqual(offenders, []);
});

test("R9: src/math and the reference backend use no ** operator", () => {
  const offenders: string[] = [];
  for (const dir of ["math", "engine/reference"]) {
    for (const path of sources(join(srcRoot, dir))) {
      if (code(path).includes("**")) offenders.push(path.slice(srcRoot.length));
    }
  }
  assert.deepEqual(offenders, []);
});
