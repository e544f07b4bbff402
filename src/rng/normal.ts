/**
 * PyTorch's CPU normal sampling (`normal_kernel` of torch 1.13 on an AVX2 machine), consuming the
 * generator exactly as torch does:
 *
 * - n ≥ 16 (a contiguous tensor): `normal_fill` — n uniforms, Box–Muller on each full block of 16,
 *   and when n % 16 ≠ 0, 16 fresh uniforms written over the last 16 slots and transformed again.
 *   float32 uses the AVX2 kernel's float32 maths; float64 the double libm.
 * - n < 16: element by element, the double Box–Muller of `normal_distribution<double>`, which
 *   returns r·cos θ and keeps r·sin θ in the generator for the next request (also in a later call).
 */

import { normalFillBlocksF32 } from "../math/compat/cephes-f32.js";
import { glibcLog } from "../math/compat/glibc-log.js";
import { glibcCos, glibcSin } from "../math/compat/glibc-sincos.js";
import type { Generator } from "./generator.js";

const TWO_PI = 2 * Math.PI;

function normalFill16F64(data: Float64Array, i: number): void {
  for (let j = 0; j < 8; j++) {
    const u1 = 1 - data[i + j];
    const u2 = data[i + j + 8];
    const radius = Math.sqrt(-2 * glibcLog(u1));
    const theta = TWO_PI * u2;
    data[i + j] = radius * glibcCos(theta);
    data[i + j + 8] = radius * glibcSin(theta);
  }
}

/** One value of torch's `normal_distribution<double>` (mean 0, std 1), using and refilling the cache. */
export function nextDoubleNormal(generator: Generator): number {
  const cached = generator.cachedDoubleNormal;
  if (cached !== null) {
    generator.cachedDoubleNormal = null;
    return cached;
  }
  const engine = generator.engine;
  const u1 = engine.nextUniform53();
  const u2 = engine.nextUniform53();
  // torch 1.13 takes log(1 - u2) (later versions switched to log1p(-u2)); 1 - u2 is exact.
  const r = Math.sqrt(-2 * glibcLog(1 - u2));
  const theta = TWO_PI * u1;
  generator.cachedDoubleNormal = r * glibcSin(theta);
  return r * glibcCos(theta);
}

/** Fills `out` with standard normals as `torch.randn(out.length, generator=g)` would. */
export function fillNormal(generator: Generator, out: Float32Array | Float64Array): void {
  const n = out.length;
  if (n < 16) {
    // Float32Array stores round the double to nearest, which is torch's static_cast<float>.
    for (let i = 0; i < n; i++) out[i] = nextDoubleNormal(generator);
    return;
  }
  const engine = generator.engine;
  if (out instanceof Float32Array) {
    engine.fillUniform24(out, 0, n);
    normalFillBlocksF32(out, 0, n);
    if (n % 16 !== 0) {
      engine.fillUniform24(out, n - 16, 16);
      normalFillBlocksF32(out, n - 16, n);
    }
  } else {
    engine.fillUniform53(out, 0, n);
    for (let i = 0; i + 16 <= n; i += 16) normalFill16F64(out, i);
    if (n % 16 !== 0) {
      engine.fillUniform53(out, n - 16, 16);
      normalFill16F64(out, n - 16);
    }
  }
}
