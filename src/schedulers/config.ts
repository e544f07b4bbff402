// Scheduler configuration with Diffusers' ConfigMixin semantics: snake_case keys as scheduler_config.json
// holds them, defaults from the scheduler's signature, `_class_name` / `_diffusers_version`, and
// from_config's rules for swapping one scheduler's config into another.

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

// ---- JSON in Python's dialect (json.dumps(indent=2, sort_keys=True), Infinity/NaN allowed) ----

/** Python's repr() of a float: shortest round-trip digits, scientific below 1e-4 and from 1e16. */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Number.POSITIVE_INFINITY) return "Infinity";
  if (x === Number.NEGATIVE_INFINITY) return "-Infinity";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mant, expStr] = x.toExponential().split("e");
  const exp = Number(expStr);
  const negative = mant.startsWith("-");
  const digits = mant.replace("-", "").replace(".", "");
  let body: string;
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp) < 10 ? `0${Math.abs(exp)}` : String(Math.abs(exp));
    body = `${m}e${exp < 0 ? "-" : "+"}${e}`;
  } else if (exp < 0) {
    body = `0.${"0".repeat(-exp - 1)}${digits}`;
  } else if (digits.length <= exp + 1) {
    body = `${digits}${"0".repeat(exp + 1 - digits.length)}.0`;
  } else {
    body = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  }
  return negative ? `-${body}` : body;
}

function pyJsonValue(value: unknown, floatKey: boolean, indent: string): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") {
    return floatKey || !Number.isInteger(value) ? pythonFloatRepr(value) : String(value);
  }
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    const inner = `${indent}  `;
    return `[\n${value.map((v) => inner + pyJsonValue(v, floatKey, inner)).join(",\n")}\n${indent}]`;
  }
  if (typeof value === "object") {
    const keys = Object.keys(value as object).sort();
    if (keys.length === 0) return "{}";
    const inner = `${indent}  `;
    const rows = keys.map(
      (k) => `${inner}${JSON.stringify(k)}: ${pyJsonValue((value as Record<string, unknown>)[k], false, inner)}`,
    );
    return `{\n${rows.join(",\n")}\n${indent}}`;
  }
  throw new TypeError(`cannot serialise config value ${String(value)}`);
}

/** The text Diffusers' save_config writes for this config (scheduler_config.json). */
export function configToJsonString(spec: SchedulerSpec, config: Readonly<Record<string, unknown>>): string {
  const keys = Object.keys(config).sort();
  const rows = keys.map((k) => {
    const p = spec.params[k];
    const floatKey = p !== undefined && (p.type === "float" || p.type === "float[]");
    return `  ${JSON.stringify(k)}: ${pyJsonValue(config[k], floatKey, "  ")}`;
  });
  return `{\n${rows.join(",\n")}\n}\n`;
}

/** Parses scheduler_config.json text, accepting the Infinity / -Infinity / NaN that Python's json writes. */
export function parseConfigJson(text: string): Record<string, unknown> {
  // Replace the bare tokens outside strings with sentinels JSON can carry, then restore them.
  const sentinel = "\u0000reprodiff-nonfinite:";
  let out = "";
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      out += ch;
      if (ch === "\\") {
        out += text[++i] ?? "";
      } else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') {
      inString = true;
      out += ch;
      continue;
    }
    const rest = text.slice(i);
    const m = /^(-?Infinity|NaN)/.exec(rest);
    if (m) {
      out += JSON.stringify(sentinel + m[1]);
      i += m[1].length - 1;
      continue;
    }
    out += ch;
  }
  const parsed = JSON.parse(out, (_k, v) => {
    if (typeof v === "string" && v.startsWith(sentinel)) {
      const tok = v.slice(sentinel.length);
      return tok === "NaN" ? Number.NaN : tok === "Infinity" ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
    }
    return v;
  }) as unknown;
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new TypeError("scheduler config JSON must hold an object");
  }
  return parsed as Record<string, unknown>;
}
