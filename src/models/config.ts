// Diffusers configs: `config.json` holds a class's __init__ arguments (snake_case). Missing keys take the
// class signature's defaults (diffusers v0.31.0), unknown keys are kept and written back unchanged,
// and every known key is type-checked so a bad value fails with the key's name.

import { ConfigError, formatConfig } from "../io/config.js";
import { floatKeysOf, markFloat } from "../io/json.js";

export type ConfigValue = null | boolean | number | string | ConfigValue[] | { [key: string]: ConfigValue };
export type ModelConfig = Record<string, ConfigValue>;

export type FieldKind =
  | "null"
  | "bool"
  | "int"
  | "number"
  | "string"
  | "intList"
  | "numberList"
  | "boolList"
  | "stringList"
  | "intOrNullList"
  | "intListList";

export interface FieldSpec {
  readonly kinds: readonly FieldKind[];
  readonly default: ConfigValue;
  /** The Python default is a float (written `0.0`, not `0`). */
  readonly isFloat?: boolean;
}

export type ConfigSchema = Readonly<Record<string, FieldSpec>>;

/** Shorthand for schema entries: `field(8, "int", "null")`. */
export function field(defaultValue: ConfigValue, ...kinds: FieldKind[]): FieldSpec {
  return { kinds, default: defaultValue };
}

/** A field whose Python default is a float literal such as `0.0` (kept as `0.0` when written back). */
export function floatField(defaultValue: number, ...kinds: FieldKind[]): FieldSpec {
  return { kinds, default: defaultValue, isFloat: true };
}

// One ConfigError class for the whole library: the io module's (bad JSON) and ours (bad values).
export { ConfigError };

function isInt(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v);
}

function matches(kind: FieldKind, v: unknown): boolean {
  switch (kind) {
    case "null":
      return v === null;
    case "bool":
      return typeof v === "boolean";
    case "int":
      return isInt(v);
    case "number":
      return typeof v === "number" && Number.isFinite(v);
    case "string":
      return typeof v === "string";
    case "intList":
      return Array.isArray(v) && v.every(isInt);
    case "numberList":
      return Array.isArray(v) && v.every((x) => typeof x === "number" && Number.isFinite(x));
    case "boolList":
      return Array.isArray(v) && v.every((x) => typeof x === "boolean");
    case "stringList":
      return Array.isArray(v) && v.every((x) => typeof x === "string");
    case "intOrNullList":
      return Array.isArray(v) && v.every((x) => x === null || isInt(x));
    case "intListList":
      return Array.isArray(v) && v.every((x) => isInt(x) || (Array.isArray(x) && x.every(isInt)));
  }
}

const KIND_NAMES: Record<FieldKind, string> = {
  null: "null",
  bool: "a boolean",
  int: "an integer",
  number: "a number",
  string: "a string",
  intList: "a list of integers",
  numberList: "a list of numbers",
  boolList: "a list of booleans",
  stringList: "a list of strings",
  intOrNullList: "a list of integers or nulls",
  intListList: "a list of integers or integer lists",
};

/** A deep copy that keeps the parser's record of which numbers were floats (Python's 1.0 vs 1). */
export function cloneConfigValue<T extends ConfigValue>(v: T): T {
  if (v === null || typeof v !== "object") return v;
  const floats = floatKeysOf(v);
  let out: ConfigValue;
  if (Array.isArray(v)) {
    out = v.map((x) => cloneConfigValue(x));
  } else {
    const obj: Record<string, ConfigValue> = {};
    for (const [k, x] of Object.entries(v)) obj[k] = cloneConfigValue(x);
    out = obj;
  }
  for (const k of floats) markFloat(out, k);
  return out as T;
}

const clone = cloneConfigValue;

/**
 * Merges `raw` over the schema defaults. `_class_name`, when present, must equal `className`.
 * Returns a new object whose keys are sorted like Diffusers' `to_json_string` (sort_keys=True).
 */
export function resolveConfig(className: string, raw: unknown, schema: ConfigSchema, source = "config"): ModelConfig {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new ConfigError(`${source}: a ${className} config must be a JSON object`);
  }
  const input = raw as Record<string, unknown>;
  const declared = input._class_name;
  if (declared !== undefined && declared !== className) {
    throw new ConfigError(
      `${source}: _class_name is ${JSON.stringify(declared)}, but ${className} was asked to load it`,
    );
  }
  const out: Record<string, ConfigValue> = { _class_name: className };
  const inputFloats = floatKeysOf(input);
  for (const [key, spec] of Object.entries(schema)) {
    if (!Object.hasOwn(input, key)) {
      out[key] = clone(spec.default);
      if (spec.isFloat === true) markFloat(out, key);
      continue;
    }
    const value = input[key];
    if (!spec.kinds.some((k) => matches(k, value))) {
      throw new ConfigError(
        `${source}: ${key} must be ${spec.kinds.map((k) => KIND_NAMES[k]).join(" or ")}, got ${JSON.stringify(value)}`,
      );
    }
    out[key] = clone(value as ConfigValue);
  }
  for (const [key, value] of Object.entries(input)) {
    if (!Object.hasOwn(out, key)) out[key] = clone(value as ConfigValue);
  }
  for (const key of inputFloats) if (Object.hasOwn(out, key)) markFloat(out, key);
  return sortKeys(out);
}

export function sortKeys(config: ModelConfig): ModelConfig {
  const sorted: ModelConfig = {};
  for (const key of Object.keys(config).sort()) sorted[key] = config[key];
  for (const key of floatKeysOf(config)) markFloat(sorted, key);
  return sorted;
}

/** config.json text exactly as Diffusers writes it (json.dumps(indent=2, sort_keys=True) + newline). */
export function configToJson(config: ModelConfig): string {
  return formatConfig(config);
}

/** Throws unless `config[key]` is one of `supported`. */
export function requireOneOf(config: ModelConfig, key: string, supported: readonly ConfigValue[], className: string) {
  const value = config[key];
  if (!supported.some((s) => s === value)) {
    throw new ConfigError(
      `${className}: ${key} = ${JSON.stringify(value)} is not supported; supported: ${supported.map((s) => JSON.stringify(s)).join(", ")}`,
    );
  }
}

/** An int-or-list config value expanded to one entry per block (Diffusers' `(x,) * len(blocks)`). */
export function perBlock<T extends ConfigValue>(config: ModelConfig, key: string, n: number, className: string): T[] {
  const value = config[key];
  if (Array.isArray(value)) {
    if (value.length !== n) {
      throw new ConfigError(`${className}: ${key} has ${value.length} entries but there are ${n} down blocks`);
    }
    return value as T[];
  }
  return Array.from({ length: n }, () => value as T);
}
