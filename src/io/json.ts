// A strict JSON parser of our own, used where JSON.parse is not enough:
// - duplicate keys are an error (JSON.parse silently keeps the last one, so two readers of the same
//   safetensors header could disagree about a tensor's offsets);
// - it remembers which numbers were written as floats ("1.0", "1e-06"), so a config read and written
//   again keeps Python's float/int distinction (json.dumps writes 1.0 for a float and 1 for an int);
// - nesting depth is bounded, so hostile input cannot overflow the stack.
// Strings are decoded by JSON.parse on the exact token, so escapes follow the standard to the letter.

export class JsonSyntaxError extends Error {
  override name = "JsonSyntaxError";
  constructor(
    readonly problem: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${problem} at line ${line} column ${column}`);
  }
}

export interface StrictJsonOptions {
  /** Accept Python's NaN / Infinity / -Infinity literals (json.loads does; serde_json does not). */
  allowNonFinite?: boolean;
  maxDepth?: number;
}

/** Containers whose entries (object keys or array indices) were written with a fraction or exponent. */
const floatEntries = new WeakMap<object, Set<string>>();

/** Keys (or array indices, as strings) of `container` whose numbers were floats in the parsed text. */
export function floatKeysOf(container: object): ReadonlySet<string> {
  return floatEntries.get(container) ?? new Set();
}

/** Records that `container[key]` is a float even if its value is integral (for configs built in code). */
export function markFloat(container: object, key: string | number): void {
  let set = floatEntries.get(container);
  if (set === undefined) {
    set = new Set();
    floatEntries.set(container, set);
  }
  set.add(String(key));
}

export function parseJsonStrict(text: string, options: StrictJsonOptions = {}): unknown {
  const maxDepth = options.maxDepth ?? 256;
  let i = 0;

  const position = (at: number): [number, number] => {
    let line = 1;
    let lineStart = 0;
    for (let k = 0; k < at; k++) {
      if (text.charCodeAt(k) === 10) {
        line++;
        lineStart = k + 1;
      }
    }
    return [line, at - lineStart + 1];
  };
  const fail = (problem: string, at = i): never => {
    const [line, column] = position(at);
    throw new JsonSyntaxError(problem, line, column);
  };
  const skipWhitespace = () => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else return;
    }
  };
  const describe = (at: number) => (at >= text.length ? "end of input" : `character ${JSON.stringify(text[at])}`);

  const parseString = (): string => {
    const start = i;
    let escaped = false;
    i++;
    for (;;) {
      if (i >= text.length) fail("unterminated string", start);
      const c = text.charCodeAt(i);
      if (c === 0x22) break;
      if (c === 0x5c) {
        escaped = true;
        i += 2;
      } else if (c < 0x20) fail("control character in string");
      else i++;
    }
    i++;
    // Without escapes the token is its own value; with them, JSON.parse decodes exactly per the standard.
    if (!escaped) return text.slice(start + 1, i - 1);
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      return fail("invalid escape in string", start);
    }
  };

  const NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;
  const parseNumber = (): { value: number; isFloat: boolean } => {
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (m === null) return fail(`unexpected ${describe(i)}`);
    i += m[0].length;
    return { value: Number(m[0]), isFloat: m[1] !== undefined || m[2] !== undefined };
  };

  const literal = (word: string, value: unknown): unknown => {
    if (text.startsWith(word, i)) {
      i += word.length;
      return value;
    }
    return fail(`unexpected ${describe(i)}`);
  };

  // Returns the value and whether it was a float-syntax number.
  const parseValue = (depth: number): [unknown, boolean] => {
    skipWhitespace();
    const c = text.charAt(i);
    if (c === "{" || c === "[") {
      if (depth >= maxDepth) fail(`nesting deeper than ${maxDepth} levels`);
      return [c === "{" ? parseObject(depth + 1) : parseArray(depth + 1), false];
    }
    if (c === '"') return [parseString(), false];
    if (c === "t") return [literal("true", true), false];
    if (c === "f") return [literal("false", false), false];
    if (c === "n") return [literal("null", null), false];
    if (options.allowNonFinite) {
      if (c === "N") return [literal("NaN", Number.NaN), true];
      if (c === "I") return [literal("Infinity", Number.POSITIVE_INFINITY), true];
      if (c === "-" && text.startsWith("-Infinity", i)) return [literal("-Infinity", Number.NEGATIVE_INFINITY), true];
    }
    if (c === "-" || (c >= "0" && c <= "9" && c !== "")) {
      const { value, isFloat } = parseNumber();
      return [value, isFloat];
    }
    return fail(`unexpected ${describe(i)}`);
  };

  const parseObject = (depth: number): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    i++;
    skipWhitespace();
    if (text[i] === "}") {
      i++;
      return out;
    }
    for (;;) {
      skipWhitespace();
      if (text[i] !== '"') fail(`expected a string key, found ${describe(i)}`);
      const keyAt = i;
      const key = parseString();
      if (Object.hasOwn(out, key)) fail(`duplicate key ${JSON.stringify(key)}`, keyAt);
      skipWhitespace();
      if (text[i] !== ":") fail(`expected ':' after key ${JSON.stringify(key)}, found ${describe(i)}`);
      i++;
      const [value, isFloat] = parseValue(depth);
      // A key named "__proto__" must stay an ordinary key: plain assignment would change the prototype.
      if (key === "__proto__")
        Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      else out[key] = value;
      if (isFloat) markFloat(out, key);
      skipWhitespace();
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === "}") {
        i++;
        return out;
      }
      fail(`expected ',' or '}', found ${describe(i)}`);
    }
  };

  const parseArray = (depth: number): unknown[] => {
    const out: unknown[] = [];
    i++;
    skipWhitespace();
    if (text[i] === "]") {
      i++;
      return out;
    }
    for (;;) {
      const [value, isFloat] = parseValue(depth);
      if (isFloat) markFloat(out, out.length);
      out.push(value);
      skipWhitespace();
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === "]") {
        i++;
        return out;
      }
      fail(`expected ',' or ']', found ${describe(i)}`);
    }
  };

  const [value] = parseValue(0);
  skipWhitespace();
  if (i < text.length) fail(`unexpected ${describe(i)} after the JSON value`);
  return value;
}
