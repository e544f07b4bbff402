// JSON config files (config.json, scheduler_config.json, model_index.json): parsed with clear errors,
// written byte-for-byte as Diffusers writes them: `json.dumps(config, indent=2, sort_keys=True) + "\n"`,
// which means Python's float repr (1e-06, 1.0), ASCII-only output (\u escapes) and code-point key order.

import { floatKeysOf, JsonSyntaxError, parseJsonStrict } from "./json.js";

export { floatKeysOf, markFloat } from "./json.js";

export type ConfigObject = Record<string, unknown>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Parses a config file's text. Duplicate keys are an error; NaN/Infinity are accepted as Python's json
 * module does. Which numbers were floats in the text is remembered for `formatConfig`.
 */
export function parseConfig(text: string, file = "<config>"): ConfigObject {
  let value: unknown;
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    value = parseJsonStrict(body, { allowNonFinite: true });
  } catch (e) {
    if (e instanceof JsonSyntaxError) throw new ConfigError(`${file}: not valid JSON: ${e.message}`);
    throw e;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new ConfigError(
      `${file}: expected a JSON object at the top level, found ${Array.isArray(value) ? "an array" : JSON.stringify(value)}; a config file must hold an object`,
    );
  }
  return value as ConfigObject;
}

/** Python's repr() of a float, which json.dumps uses. */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Number.POSITIVE_INFINITY) return "Infinity";
  if (x === Number.NEGATIVE_INFINITY) return "-Infinity";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  // toExponential() with no argument gives the shortest round-tripping digits, as Python's repr does.
  const [mantissa, exponentText] = Math.abs(x).toExponential().split("e");
  const digits = mantissa.replace(".", "");
  const exponent = Number(exponentText);
  const sign = x < 0 ? "-" : "";
  // Python switches to scientific notation when the decimal exponent is < -4 or >= 16.
  if (exponent < -4 || exponent >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exponent);
    return `${sign}${m}e${exponent < 0 ? "-" : "+"}${e < 10 ? `0${e}` : e}`;
  }
  if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
  const intDigits = exponent + 1;
  if (digits.length <= intDigits) return `${sign}${digits}${"0".repeat(intDigits - digits.length)}.0`;
  return `${sign}${digits.slice(0, intDigits)}.${digits.slice(intDigits)}`;
}

/** json.dumps's string encoding with ensure_ascii=True. */
export function pythonJsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += "\\\\";
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x0d) out += "\\r";
    else if (c === 0x09) out += "\\t";
    else if (c === 0x08) out += "\\b";
    else if (c === 0x0c) out += "\\f";
    else if (c < 0x20 || c > 0x7e) out += `\\u${c.toString(16).padStart(4, "0")}`;
    else out += s[i];
  }
  return `${out}"`;
}

function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done && y.done ? 0 : x.done ? -1 : 1;
    const d = (x.value.codePointAt(0) ?? 0) - (y.value.codePointAt(0) ?? 0);
    if (d !== 0) return d;
  }
}

export interface FormatConfigOptions {
  /** Top-level keys whose integral values are Python floats (written 1.0), beyond those remembered from parsing. */
  floatKeys?: Iterable<string>;
}

/** The text Diffusers writes for `config`: `json.dumps(config, indent=2, sort_keys=True) + "\n"`. */
export function formatConfig(config: ConfigObject, options: FormatConfigOptions = {}): string {
  const extraFloats = new Set(options.floatKeys ?? []);
  const seen = new Set<object>();
  const encode = (value: unknown, indent: string, isFloat: boolean, path: string): string => {
    if (value === null || value === undefined) return "null";
    if (typeof value === "boolean") return value ? "true" : "false";
    if (typeof value === "string") return pythonJsonString(value);
    if (typeof value === "bigint") return value.toString();
    if (typeof value === "number") {
      if (isFloat || !Number.isInteger(value) || Object.is(value, -0)) return pythonFloatRepr(value);
      return String(value).includes("e") ? BigInt(value).toString() : String(value);
    }
    if (typeof value !== "object")
      throw new ConfigError(`config value at ${path} is a ${typeof value}, which JSON cannot hold`);
    if (seen.has(value)) throw new ConfigError(`config value at ${path} refers to itself`);
    seen.add(value);
    const floats = floatKeysOf(value);
    const inner = `${indent}  `;
    let out: string;
    if (Array.isArray(value)) {
      out =
        value.length === 0
          ? "[]"
          : `[\n${value.map((v, k) => inner + encode(v, inner, floats.has(String(k)), `${path}[${k}]`)).join(",\n")}\n${indent}]`;
    } else {
      const keys = Object.keys(value)
        .filter((k) => (value as ConfigObject)[k] !== undefined)
        .sort(compareCodePoints);
      out =
        keys.length === 0
          ? "{}"
          : `{\n${keys
              .map((k) => {
                const f = floats.has(k) || (indent === "" && extraFloats.has(k));
                return `${inner}${pythonJsonString(k)}: ${encode((value as ConfigObject)[k], inner, f, `${path}.${k}`)}`;
              })
              .join(",\n")}\n${indent}}`;
    }
    seen.delete(value);
    return out;
  };
  return `${encode(config, "", false, "config")}\n`;
}
