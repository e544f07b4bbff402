/**
 * The 32-bit Mersenne Twister exactly as PyTorch's CPU generator runs it (ATen `at::mt19937`):
 * Matsumoto's `init_genrand` seeding with the low 32 bits of the seed, and a *lazy* twist — seeding
 * leaves `left = 1, next = 0` over the untwisted array, so the first draw twists. Keeping those two
 * counters (rather than an output buffer) is what lets `getState()` write torch's byte layout.
 */

export const MT_N = 624;
const MT_M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

const TWO_POW_M24 = 2 ** -24;
const TWO_POW_M53 = 2 ** -53;
const TWO_POW_32 = 2 ** 32;

export class MT19937 {
  /** The raw (untempered) state words. */
  readonly state = new Uint32Array(MT_N);
  /** Draws remaining before the next twist, plus one (torch's `left_`). */
  left = 1;
  /** Index of the next state word to temper (torch's `next_`). */
  next = 0;

  seed(low32: number): void {
    const mt = this.state;
    mt[0] = low32 >>> 0;
    for (let j = 1; j < MT_N; j++) {
      const prev = mt[j - 1];
      mt[j] = (Math.imul(1812433253, prev ^ (prev >>> 30)) + j) >>> 0;
    }
    this.left = 1;
    this.next = 0;
  }

  private twist(): void {
    const mt = this.state;
    let k = 0;
    for (; k < MT_N - MT_M; k++) {
      const y = (mt[k] & UPPER_MASK) | (mt[k + 1] & LOWER_MASK);
      mt[k] = mt[k + MT_M] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    for (; k < MT_N - 1; k++) {
      const y = (mt[k] & UPPER_MASK) | (mt[k + 1] & LOWER_MASK);
      mt[k] = mt[k + MT_M - MT_N] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    const y = (mt[MT_N - 1] & UPPER_MASK) | (mt[0] & LOWER_MASK);
    mt[MT_N - 1] = mt[MT_M - 1] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    // One past torch's value: the draw that triggered the twist decrements it below.
    this.left = MT_N + 1;
    this.next = 0;
  }

  /** One tempered 32-bit output (torch `random()`). */
  nextU32(): number {
    if (this.left === 1) this.twist();
    this.left--;
    let y = this.state[this.next++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /**
   * Writes `count` consecutive outputs, each mapped by `(u32 & 0xFFFFFF) * 2^-24` (torch's float32
   * uniform), into `out[offset..]`. Batched per twist so the hot loop has no branch on the counters.
   */
  fillUniform24(out: Float32Array | Float64Array, offset: number, count: number): void {
    const mt = this.state;
    let k = offset;
    const end = offset + count;
    while (k < end) {
      if (this.left === 1) this.twist();
      const take = Math.min(this.left - 1, end - k);
      let p = this.next;
      const stop = k + take;
      while (k < stop) {
        let y = mt[p++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        out[k++] = (y & 0xffffff) * TWO_POW_M24;
      }
      this.next = p;
      this.left -= take;
    }
  }

  /**
   * Writes `count` float64 uniforms: two outputs each, the first is the high word of a 64-bit value
   * whose low 53 bits are scaled by 2^-53 (torch's `random64()` + `uniform_real_distribution<double>`).
   */
  fillUniform53(out: Float64Array, offset: number, count: number): void {
    const end = offset + count;
    for (let k = offset; k < end; k++) {
      const hi = this.nextU32() & 0x1fffff;
      const lo = this.nextU32();
      out[k] = (hi * TWO_POW_32 + lo) * TWO_POW_M53;
    }
  }

  /** One float64 uniform, as `fillUniform53`. */
  nextUniform53(): number {
    const hi = this.nextU32() & 0x1fffff;
    const lo = this.nextU32();
    return (hi * TWO_POW_32 + lo) * TWO_POW_M53;
  }
}
