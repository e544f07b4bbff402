// Scheduler configuration with Diffusers' ConfigMixin semantics: snake_case keys as scheduler_config.json
// holds them, defaults from the scheduler's signature, `_class_name` / `_diffusers_version`, and
// from_config's rules for swapping one scheduler's config into another.
import { formatConfig, markFloat, parseConfig } from "../io/config.js";

/** The Diffusers release whose behaviour (and saved `_diffusers_version`) these schedulers reproduce. */
export const DIFFUSERS_VERSION = "0.31.0";

export type ParamType = "int" | "float" | "bool" | "string" | "float[]" | "int[]" | "none";

export interface ParamSpec {
  readonly type: ParamType;
  readonly default: unknown;
  /** null is a valid value (Optional[...] in Diffusers). */
  readonly nullable?: boolean;
  /** For strings: the accepted values. */
  readonly allowed?: readonly string[];
}

export interface SchedulerSpec {
  readonly className: string;
  /** __init__ parameters in signature order. */
  readonly params: Readonly<Record<string, ParamSpec>>;
}

export type SchedulerConfig = Readonly<Record<string, unknown>>;

/** Keys of a config that were filled from defaults (Diffusers' `_use_default_values`), per config object. */
const usedDefaultsOf = new WeakMap<object, readonly string[]>();

export function usedDefaults(config: object): readonly string[] {
  const fromMap = usedDefaultsOf.get(config);
  if (fromMap) return fromMap;
  const listed = (config as Record<string, unknown>)._use_default_values;
  return Array.isArray(listed) ? listed.filter((k): k is string => typeof k === "string") : [];
}

function describe(value: unknown): string {
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Checks one value against its spec; the error names the scheduler, the key and what is allowed. */
export function checkParam(className: string, key: string, spec: ParamSpec, value: unknown): void {
  const fail = (expected: string): never => {
    throw new TypeError(`${className}: config key "${key}" must be ${expected}; got ${describe(value)}`);
  };
  if (value === null) {
    if (spec.nullable || spec.type === "none") return;
    fail(spec.type === "string" && spec.allowed ? `one of ${spec.allowed.map((a) => `"${a}"`).join(", ")}` : spec.type);
  }
  switch (spec.type) {
    case "int":
      if (typeof value !== "number" || !Number.isInteger(value)) fail("an integer");
      return;
    case "float":
      if (typeof value !== "number" || Number.isNaN(value)) fail("a number");
      return;
    case "bool":
      if (typeof value !== "boolean") fail("a boolean");
      if (spec.allowed && !spec.allowed.includes(String(value))) {
        fail(`${spec.allowed.join(" or ")} (reprodiff does not implement the other setting)`);
      }
      return;
    case "string":
      if (typeof value !== "string")
        fail(spec.allowed ? `one of ${spec.allowed.map((a) => `"${a}"`).join(", ")}` : "a string");
      if (spec.allowed && !spec.allowed.includes(value as string)) {
        fail(`one of ${spec.allowed.map((a) => `"${a}"`).join(", ")}${spec.nullable ? " or null" : ""}`);
      }
      return;
    case "float[]":
      if (!Array.isArray(value) || !value.every((v) => typeof v === "number" && Number.isFinite(v))) {
        fail("an array of finite numbers");
      }
      return;
    case "int[]":
      if (!Array.isArray(value) || !value.every((v) => typeof v === "number" && Number.isInteger(v))) {
        fail("an array of integers");
      }
      return;
    case "none":
      fail("null (reprodiff does not support this option)");
  }
}

export interface ResolvedConfig {
  config: Record<string, unknown>;
  usedDefaults: string[];
}

/**
 * What `new XScheduler(kwargs)` registers: every parameter of the signature, given or defaulted, plus
 * `_class_name` and `_diffusers_version`. Unknown non-private keys are refused, as Python refuses an unexpected
 * keyword argument; private keys (leading underscore) other than the two above are dropped.
 */
export function resolveConfig(spec: SchedulerSpec, given: Readonly<Record<string, unknown>>): ResolvedConfig {
  const config: Record<string, unknown> = {};
  const defaults: string[] = [];
  for (const key of Object.keys(given)) {
    if (key.startsWith("_")) continue;
    if (!(key in spec.params)) {
      throw new TypeError(
        `${spec.className}: unknown config key "${key}"; known keys: ${Object.keys(spec.params).join(", ")}`,
      );
    }
  }
  for (const [key, p] of Object.entries(spec.params)) {
    const has = Object.hasOwn(given, key) && given[key] !== undefined;
    const value = has ? given[key] : cloneValue(p.default);
    checkParam(spec.className, key, p, value);
    config[key] = cloneValue(value);
    if (!has) defaults.push(key);
  }
  config._class_name = spec.className;
  config._diffusers_version = DIFFUSERS_VERSION;
  return { config, usedDefaults: defaults };
}

function cloneValue(v: unknown): unknown {
  return Array.isArray(v) ? v.map(cloneValue) : v;
}

export interface FromConfigParts {
  init: Record<string, unknown>;
  hidden: Record<string, unknown>;
}

/**
 * Diffusers' extract_init_dict: keys that the source filled from its own defaults are dropped (so the target's
 * defaults apply), keys the target knows become its arguments (overrides win), and every other key is kept
 * as a "hidden" config entry so that a later swap back still finds it.
 */
export function splitForTarget(
  spec: SchedulerSpec,
  source: Readonly<Record<string, unknown>>,
  overrides: Readonly<Record<string, unknown>> = {},
): FromConfigParts {
  if (source === null || typeof source !== "object" || Array.isArray(source)) {
    throw new TypeError(`${spec.className}.fromConfig: config must be an object, got ${describe(source)}`);
  }
  const className = source._class_name;
  if (className !== undefined && typeof className !== "string" && !Array.isArray(className)) {
    throw new TypeError(`${spec.className}.fromConfig: "_class_name" must be a string, got ${describe(className)}`);
  }
  for (const key of Object.keys(overrides)) {
    if (!(key in spec.params)) {
      throw new TypeError(
        `${spec.className}.fromConfig: unknown override "${key}"; known keys: ${Object.keys(spec.params).join(", ")}`,
      );
    }
  }
  const dropped = new Set(usedDefaults(source));
  const original: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(source)) {
    if (dropped.has(k) || k === "_use_default_values") continue;
    original[k] = v;
  }
  const init: Record<string, unknown> = {};
  for (const key of Object.keys(spec.params)) {
    if (Object.hasOwn(overrides, key) && overrides[key] !== undefined) init[key] = overrides[key];
    else if (Object.hasOwn(original, key) && !key.startsWith("_")) init[key] = original[key];
  }
  const hidden: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(original)) {
    if (Object.hasOwn(init, k)) continue;
    if (k === "_class_name") hidden[k] = spec.className;
    else if (k === "_diffusers_version") continue;
    else hidden[k] = cloneValue(v);
  }
  return { init, hidden };
}

export function rememberUsedDefaults(config: object, keys: readonly string[]): void {
  usedDefaultsOf.set(config, Object.freeze([...keys]));
}

// ---- scheduler_config.json: io's config parser and writer, with the float keys the spec declares ----

export { pythonFloatRepr } from "../io/config.js";

/**
 * The text Diffusers' save_config writes for this config (scheduler_config.json). Which values are Python
 * floats comes from the spec: a "float" key holding 1 is written 1.0, as are the entries of a "float[]" key.
 */
export function configToJsonString(spec: SchedulerSpec, config: Readonly<Record<string, unknown>>): string {
  const out: Record<string, unknown> = { ...config };
  const floatKeys: string[] = [];
  for (const [key, value] of Object.entries(config)) {
    const type = spec.params[key]?.type;
    if (type === "float") floatKeys.push(key);
    else if (type === "float[]" && Array.isArray(value)) {
      const entries = [...value];
      for (let i = 0; i < entries.length; i++) markFloat(entries, i);
      out[key] = entries;
    }
  }
  return formatConfig(out, { floatKeys });
}

/** Parses scheduler_config.json text (Python's Infinity / -Infinity / NaN accepted, duplicate keys refused). */
export function parseConfigJson(text: string, file = "scheduler config JSON"): Record<string, unknown> {
  return parseConfig(text, file);
}
