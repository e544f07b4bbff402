// PyTorch 1.13's CPU float32 kernels whose rounding Diffusers' noise tables inherit.
import { fmaF32 } from "./fma.js";

const f32 = Math.fround;

/**
 * torch.linspace(start, end, steps, dtype=float32) as the AVX2 CPU kernel of PyTorch 1.13 computes it:
 * start/end rounded to float32, step = (end - start) / (steps - 1) in float32; the first half counts up from
 * start, the second half down from end. Blocks of 8 start from a fused base (start + step * idx) and add
 * k * step without fusion; the tail after the last full 16-element chunk is computed element by element.
 */
export function torchLinspaceF32(start: number, end: number, steps: number): Float32Array {
  const out = new Float32Array(steps);
  if (steps === 0) return out;
  if (steps === 1) {
    out[0] = f32(start);
    return out;
  }
  const s = f32(start);
  const e = f32(end);
  const step = f32(f32(e - s) / (steps - 1));
  const halfway = Math.floor(steps / 2);
  const scalarAt = (idx: number): number => (idx < halfway ? fmaF32(step, idx, s) : fmaF32(-step, steps - idx - 1, e));
  let i = 0;
  for (; i + 16 <= steps; i += 16) {
    for (let block = 0; block < 2; block++) {
      const idx = i + block * 8;
      const base = scalarAt(idx);
      for (let k = 0; k < 8; k++) out[idx + k] = f32(base + f32(k * step));
    }
  }
  for (; i < steps; i++) out[i] = scalarAt(i);
  return out;
}

/** torch.cumprod on the CPU: the running product is a double, each output is rounded to float32. */
export function cumprodF32(values: Float32Array): Float32Array {
  const out = new Float32Array(values.length);
  let acc = 1;
  for (let i = 0; i < values.length; i++) {
    acc *= values[i];
    out[i] = acc;
  }
  return out;
}
