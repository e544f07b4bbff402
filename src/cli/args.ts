import { InvalidArgumentError } from "commander";

// Option parsers for commander: each throws InvalidArgumentError, which commander turns into one line
// ("error: option '--steps <n>' argument 'x' is invalid. …") and a non-zero exit.

const UINT64_MAX = (1n << 64n) - 1n;

export function parseSeed(value: string): bigint {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError("a seed is an integer from 0 to 2^64-1.");
  const seed = BigInt(value);
  if (seed > UINT64_MAX) throw new InvalidArgumentError("a seed is an integer from 0 to 2^64-1.");
  return seed;
}

export function parseSeedList(value: string): bigint[] {
  const parts = value.split(",").map((s) => s.trim());
  if (parts.length === 0 || parts.some((p) => p === "")) {
    throw new InvalidArgumentError("seeds are a comma-separated list of integers, e.g. 0,1,2.");
  }
  return parts.map(parseSeed);
}

export function positiveInt(what: string, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value: string) => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${what} must be a positive integer.`);
    const n = Number(value);
    if (n < 1 || n > max) throw new InvalidArgumentError(`${what} must be between 1 and ${max}.`);
    return n;
  };
}

export function nonNegativeNumber(what: string): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n) || n < 0) {
      throw new InvalidArgumentError(`${what} must be a number >= 0.`);
    }
    return n;
  };
}

export function oneOf<T extends string>(what: string, allowed: readonly T[]): (value: string) => T {
  return (value: string) => {
    const v = value.toLowerCase();
    if (!(allowed as readonly string[]).includes(v)) {
      throw new InvalidArgumentError(`${what} must be one of: ${allowed.join(", ")}.`);
    }
    return v as T;
  };
}

export function parseOutputTypes(value: string): ("png" | "npy")[] {
  const parts = value
    .toLowerCase()
    .split(",")
    .map((s) => s.trim());
  if (parts.length === 0 || parts.some((p) => p !== "png" && p !== "npy")) {
    throw new InvalidArgumentError("output type must be png, npy or png,npy.");
  }
  return [...new Set(parts)] as ("png" | "npy")[];
}
