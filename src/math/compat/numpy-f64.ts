// The float64 NumPy routines (numpy 1.24) that Diffusers uses to build timesteps and sigmas, reproduced with
// NumPy's own evaluation order so that the results agree to the last bit.

/** np.rint / np.round(x): round half to even. */
export function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const fl = Math.floor(x);
  const frac = x - fl; // exact for every double
  const r = frac > 0.5 ? fl + 1 : frac < 0.5 ? fl : fl % 2 === 0 ? fl : fl + 1;
  return r === 0 && x < 0 ? -0 : r; // rint keeps the sign of a negative input that rounds to zero
}

/** np.linspace(start, stop, num) in float64 (endpoint included). */
export function linspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  const div = num - 1;
  const delta = stop - start;
  if (div > 0) {
    const step = delta / div;
    if (step === 0) {
      for (let i = 0; i < num; i++) out[i] = (i / div) * delta + start;
    } else {
      for (let i = 0; i < num; i++) out[i] = i * step + start;
    }
    out[num - 1] = stop;
  } else {
    for (let i = 0; i < num; i++) out[i] = i * delta + start;
  }
  return out;
}

/**
 * np.arange(start, stop, step) for float arguments: NumPy stores `start` and `start + step`, then fills
 * element i with start + i * (second - first), which is not always start + i * step.
 */
export function arange(start: number, stop: number, step: number): Float64Array {
  const len = Math.max(0, Math.ceil((stop - start) / step));
  const out = new Float64Array(len);
  if (len === 0) return out;
  out[0] = start;
  if (len === 1) return out;
  const second = start + step;
  out[1] = second;
  const delta = second - start;
  for (let i = 2; i < len; i++) out[i] = start + i * delta;
  return out;
}

/** np.interp(x, xp, fp) with NumPy's float64 formula, including its NaN fallbacks. */
export function interp(x: ArrayLike<number>, xp: ArrayLike<number>, fp: ArrayLike<number>): Float64Array {
  const n = xp.length;
  if (n === 0 || fp.length !== n) throw new RangeError("interp: xp and fp must be non-empty and of equal length");
  const out = new Float64Array(x.length);
  const left = fp[0];
  const right = fp[n - 1];
  for (let i = 0; i < x.length; i++) {
    const xv = x[i];
    if (Number.isNaN(xv)) {
      out[i] = xv;
      continue;
    }
    if (xv > xp[n - 1]) {
      out[i] = right;
      continue;
    }
    if (xv < xp[0]) {
      out[i] = left;
      continue;
    }
    // Largest j with xp[j] <= xv.
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (xp[mid] <= xv) lo = mid;
      else hi = mid - 1;
    }
    const j = lo;
    if (j === n - 1 || xp[j] === xv) {
      out[i] = fp[j];
      continue;
    }
    const slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]);
    let r = slope * (xv - xp[j]) + fp[j];
    if (Number.isNaN(r)) {
      r = slope * (xv - xp[j + 1]) + fp[j + 1];
      if (Number.isNaN(r) && fp[j] === fp[j + 1]) r = fp[j];
    }
    out[i] = r;
  }
  return out;
}
