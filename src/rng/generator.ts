import { MT_N, MT19937 } from "./mt19937.js";

/** Size in bytes of `torch.Generator().get_state()` (the CPUGeneratorImplState POD, x86-64/arm64). */
export const STATE_BYTES = 5056;

/** Seed of a freshly constructed `torch.Generator()` (c10 `default_rng_seed_val`). */
export const DEFAULT_SEED = 67280421310721n;

const UINT64_MAX = (1n << 64n) - 1n;
const INT64_MIN = -(1n << 63n);

// Byte offsets of CPUGeneratorImplState's fields (little-endian, natural alignment).
const OFF_SEED = 0;
const OFF_LEFT = 8;
const OFF_SEEDED = 12;
const OFF_NEXT = 16;
const OFF_WORDS = 24;
const OFF_NORMAL_X = OFF_WORDS + 8 * MT_N; // 5016
const OFF_NORMAL_Y = OFF_NORMAL_X + 8;
const OFF_NORMAL_RHO = OFF_NORMAL_Y + 8;
const OFF_NORMAL_VALID = OFF_NORMAL_RHO + 8; // 5040
const OFF_FLOAT_NORMAL = OFF_NORMAL_VALID + 8; // 5048, after 4 bytes of padding
const OFF_FLOAT_VALID = OFF_FLOAT_NORMAL + 4; // 5052

function describe(value: unknown): string {
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "string") return JSON.stringify(value);
  return String(value);
}

/**
 * Validates a seed the way `torch.Generator.manual_seed` does and returns it as a uint64:
 * integers in [-2^63, 2^64 - 1], negatives wrapping modulo 2^64. Numbers must be safe integers
 * (beyond 2^53 a number no longer names one integer); pass a bigint for larger seeds.
 */
export function normalizeSeed(seed: number | bigint): bigint {
  if (typeof seed === "bigint") {
    if (seed < INT64_MIN || seed > UINT64_MAX) {
      throw new RangeError(`seed ${describe(seed)} is outside [-2^63, 2^64 - 1], the range torch accepts`);
    }
    return BigInt.asUintN(64, seed);
  }
  if (typeof seed !== "number") {
    throw new TypeError(`seed must be an integer number or a bigint, got ${typeof seed} ${describe(seed)}`);
  }
  if (!Number.isInteger(seed)) {
    throw new TypeError(`seed must be an integer, got ${describe(seed)}`);
  }
  if (!Number.isSafeInteger(seed)) {
    throw new TypeError(
      `seed ${describe(seed)} is not a safe integer (|seed| > 2^53 - 1 is not exact as a number); pass it as a bigint`,
    );
  }
  return BigInt.asUintN(64, BigInt(seed));
}

/** A fresh uint64 from the platform's cryptographic source (torch's getNonDeterministicRandom). */
function nonDeterministicSeed(): bigint {
  const crypto = (globalThis as { crypto?: { getRandomValues?: (a: Uint32Array) => Uint32Array } }).crypto;
  if (!crypto?.getRandomValues) {
    throw new Error("Generator.seed() needs globalThis.crypto.getRandomValues, which this runtime lacks");
  }
  const words = crypto.getRandomValues(new Uint32Array(2));
  return (BigInt(words[0]) << 32n) | BigInt(words[1]);
}

/**
 * A CPU random number generator that produces the same stream as `torch.Generator()` (device "cpu"):
 * mt19937 seeded with the low 32 bits of a uint64 seed, plus the one-value cache of the double
 * Box–Muller that `randn` of fewer than 16 elements uses. States are interchangeable with torch's
 * `get_state()` / `set_state()` bytes.
 */
export class Generator {
  /** @internal The Mersenne Twister; `random.ts` draws from it directly. */
  readonly engine = new MT19937();
  /** @internal The cached second value of the last double Box–Muller pair (torch `next_double_normal_sample_`). */
  cachedDoubleNormal: number | null = null;
  /**
   * @internal torch's `next_float_normal_sample_`: no CPU sampler of torch 1.13 reads or writes it, but
   * it is part of the state bytes and survives a round trip.
   */
  cachedFloatNormal: number | null = null;
  private seedValue = DEFAULT_SEED;

  constructor() {
    this.manualSeed(DEFAULT_SEED);
  }

  /** Seeds the generator (clearing any cached normal) and returns it, like `torch.Generator.manual_seed`. */
  manualSeed(seed: number | bigint): this {
    const value = normalizeSeed(seed);
    this.seedValue = value;
    this.engine.seed(Number(value & 0xffffffffn));
    this.cachedDoubleNormal = null;
    this.cachedFloatNormal = null;
    return this;
  }

  /** The full 64-bit seed last given to `manualSeed` / `seed` (torch `initial_seed()`). */
  initialSeed(): bigint {
    return this.seedValue;
  }

  /** Seeds with a fresh non-deterministic uint64 and returns it (torch `Generator.seed()`). */
  seed(): bigint {
    const value = nonDeterministicSeed();
    this.manualSeed(value);
    return value;
  }

  /** An independent copy with the same state. */
  clone(): Generator {
    return new Generator().setState(this.getState());
  }

  /** The state as the 5056 bytes of `torch.Generator.get_state()`. */
  getState(): Uint8Array {
    const bytes = new Uint8Array(STATE_BYTES);
    const view = new DataView(bytes.buffer);
    view.setBigUint64(OFF_SEED, this.seedValue, true);
    view.setInt32(OFF_LEFT, this.engine.left, true);
    view.setInt32(OFF_SEEDED, 1, true);
    view.setBigUint64(OFF_NEXT, BigInt(this.engine.next), true);
    const words = this.engine.state;
    for (let i = 0; i < MT_N; i++) {
      view.setUint32(OFF_WORDS + 8 * i, words[i], true);
    }
    if (this.cachedDoubleNormal !== null) {
      view.setFloat64(OFF_NORMAL_Y, this.cachedDoubleNormal, true);
      view.setInt32(OFF_NORMAL_VALID, 1, true);
    }
    if (this.cachedFloatNormal !== null) {
      view.setFloat32(OFF_FLOAT_NORMAL, this.cachedFloatNormal, true);
      bytes[OFF_FLOAT_VALID] = 1;
    }
    return bytes;
  }

  /**
   * Restores a state from `getState()` or from torch's `get_state()` bytes. Everything is validated
   * before anything changes, so a rejected state leaves the generator as it was.
   */
  setState(state: Uint8Array): this {
    if (!(state instanceof Uint8Array)) {
      throw new TypeError(`generator state must be a Uint8Array, got ${describe(state)}`);
    }
    if (state.length !== STATE_BYTES) {
      throw new RangeError(`generator state must be ${STATE_BYTES} bytes (torch get_state()), got ${state.length}`);
    }
    const view = new DataView(state.buffer, state.byteOffset, state.byteLength);
    const left = view.getInt32(OFF_LEFT, true);
    const seeded = view.getInt32(OFF_SEEDED, true);
    const next = view.getBigUint64(OFF_NEXT, true);
    const normalValid = view.getInt32(OFF_NORMAL_VALID, true);
    const floatValid = state[OFF_FLOAT_VALID];
    const bad = (what: string): never => {
      throw new RangeError(`invalid generator state: ${what}`);
    };
    if (seeded !== 1) bad(`'seeded' at byte ${OFF_SEEDED} is ${seeded}, expected 1`);
    if (left < 1 || left > MT_N) bad(`'left' at byte ${OFF_LEFT} is ${left}, expected 1..${MT_N}`);
    if (next > BigInt(MT_N)) bad(`'next' at byte ${OFF_NEXT} is ${next}, expected 0..${MT_N}`);
    // mt19937 reads state[next .. next + left - 2] before it twists again; more would run off the array.
    if (Number(next) + left > MT_N + 1) {
      bad(`'left' (${left}) + 'next' (${next}) exceeds ${MT_N + 1}: the state would read past the array`);
    }
    if (normalValid !== 0 && normalValid !== 1) {
      bad(`'normal_is_valid' at byte ${OFF_NORMAL_VALID} is ${normalValid}, expected 0 or 1`);
    }
    if (floatValid !== 0 && floatValid !== 1) {
      bad(`'is_next_float_normal_sample_valid' at byte ${OFF_FLOAT_VALID} is ${floatValid}, expected 0 or 1`);
    }
    for (let i = 0; i < MT_N; i++) {
      if (view.getUint32(OFF_WORDS + 8 * i + 4, true) !== 0) {
        bad(`state word ${i} (byte ${OFF_WORDS + 8 * i}) does not fit in 32 bits`);
      }
    }
    const normalY = view.getFloat64(OFF_NORMAL_Y, true);
    if (normalValid === 1 && !Number.isFinite(normalY)) bad(`cached normal 'normal_y' is ${normalY}`);

    this.seedValue = view.getBigUint64(OFF_SEED, true);
    for (let i = 0; i < MT_N; i++) {
      this.engine.state[i] = view.getUint32(OFF_WORDS + 8 * i, true);
    }
    this.engine.left = left;
    this.engine.next = Number(next);
    this.cachedDoubleNormal = normalValid === 1 ? normalY : null;
    this.cachedFloatNormal = floatValid === 1 ? view.getFloat32(OFF_FLOAT_NORMAL, true) : null;
    return this;
  }
}
