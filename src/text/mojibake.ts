// Mojibake detection and repair as ftfy 6.3 does it (`is_bad` + the encode/decode step of `fix_encoding`),
// for the two single-byte encodings that produce nearly all real-world mojibake: Latin-1 and Windows-1252
// ("sloppy": its five undefined bytes map to the C1 controls of the same value). ftfy also tries
// Windows-1250/1251/1253/1254/1257, ISO-8859-2, MacRoman and CP437, and repairs bytes altered by the
// detour (lost A0 bytes, "?" replacements, inconsistent mixtures); those rarer repairs are not implemented,
// so text mangled that way is left as it is (docs: src/text/README.md).

// Character categories of ftfy's badness heuristic (badness.py MOJIBAKE_CATEGORIES), as regex class bodies.
const C = {
  common: "\u00a0\u00ad\u00b7\u00b4\u2013\u2014\u2015\u2026\u2019",
  c1: "\u0080-\u009f",
  bad: "\u00a6\u00a4\u00a8\u00ac\u00af\u00b8\u0192\u02c6\u02c7\u02d8\u02db\u02dc\u2020\u2021\u2030\u2310\u25ca\ufffd\u00aa\u00ba",
  law: "\u00b6\u00a7",
  currency: "\u00a2\u00a3\u00a5\u20a7\u20ac",
  startPunct: "\u00a1\u00ab\u00bf\u00a9\u0384\u0385\u2018\u201a\u201c\u201e\u2022\u2039\uf8ff",
  endPunct: "\u00ae\u00bb\u02dd\u201d\u203a\u2122",
  numeric:
    "\u00b2\u00b3\u00b9\u00b1\u00bc\u00bd\u00be\u00d7\u00b5\u00f7\u2044\u2202\u2206\u220f\u2211\u221a\u221e\u2229\u222b\u2248\u2260\u2261\u2264\u2265\u2116",
  kaomoji: "\u00d2-\u00d6\u00d9-\u00dc\u00f2-\u00f6\u00f8-\u00fc\u0150\u014c\u016a\u0172\u00b0",
  upperAccented:
    "\u00c0-\u00d1\u00d8\u00dc\u00dd\u0102\u0100\u0104\u0106\u010c\u010e\u0110\u0118\u011a\u0112\u0116\u011e\u0122\u0130\u012a\u0136\u0139\u013d\u0141\u013b\u0143\u0147\u0145\u0152\u0158\u015a\u015e\u0160\u0162\u0164\u016e\u0170\u0178\u0179\u017b\u017d\u0490",
  lowerAccented:
    "\u00df\u00e0-\u00f1\u0103\u0105\u0101\u0107\u010d\u010f\u0111\u0119\u011b\u0113\u0117\u011f\u0123\u012f\u012b\u0137\u013a\u013e\u0142\u013c\u0153\u0155\u015b\u015f\u0161\u0165\u00fc\u017a\u017c\u017e\u0491\ufb01\ufb02",
  upperCommon: "\u00de\u0391-\u03a9\u0386\u0388\u0389\u038a\u038c\u038e\u038f\u03aa\u03ab\u0401-\u042f",
  lowerCommon: "\u03b1-\u03c9\u03ac\u03ad\u03ae\u03af\u03b0\u0430-\u045f",
  box: "\u2502\u250c\u2510\u2518\u251c\u2524\u252c\u253c\u2550-\u256c\u2580\u2584\u2588\u258c\u2590\u2591\u2592\u2593",
};

/** Python's `\s` on str: the characters for which str.isspace() is true. */
export const PY_SPACE =
  "\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";

// Each alternative is one line of ftfy's BADNESS_RE, in its order (the order does not change whether it
// matches, only which alternative reports it).
const BADNESS_ALTERNATIVES: string[] = [
  `[${C.c1}]`,
  `[${C.bad}${C.lowerAccented}${C.upperAccented}${C.box}${C.startPunct}${C.endPunct}${C.currency}${C.numeric}${C.law}][${C.bad}]`,
  `[a-zA-Z][${C.lowerCommon}${C.upperCommon}][${C.bad}]`,
  `[${C.bad}][${C.lowerAccented}${C.upperAccented}${C.box}${C.startPunct}${C.endPunct}${C.currency}${C.numeric}${C.law}]`,
  `[${C.lowerAccented}${C.lowerCommon}${C.box}${C.endPunct}${C.currency}${C.numeric}][${C.upperAccented}]`,
  `[${C.box}${C.endPunct}${C.currency}${C.numeric}][${C.lowerAccented}]`,
  `[${C.lowerAccented}${C.box}${C.endPunct}][${C.currency}]`,
  `[${PY_SPACE}][${C.upperAccented}][${C.currency}]`,
  `[${C.upperAccented}${C.box}][${C.numeric}${C.law}]`,
  `[${C.lowerAccented}${C.upperAccented}${C.box}${C.currency}${C.endPunct}][${C.startPunct}][${C.numeric}]`,
  `[${C.lowerAccented}${C.upperAccented}${C.currency}${C.numeric}${C.box}${C.law}][${C.endPunct}][${C.startPunct}]`,
  `[${C.currency}${C.numeric}${C.box}][${C.startPunct}]`,
  `[a-z][${C.upperAccented}][${C.startPunct}${C.currency}]`,
  `[${C.box}][${C.kaomoji}]`,
  `[${C.lowerAccented}${C.upperAccented}${C.currency}${C.numeric}${C.startPunct}${C.endPunct}${C.law}][${C.box}]`,
  `[${C.box}][${C.endPunct}]`,
  // Python's \w: letters, numbers and "_".
  `[${C.lowerAccented}${C.upperAccented}][${C.startPunct}${C.endPunct}][\\p{L}\\p{N}_]`,
  // œ not followed by an unaccented Latin letter
  "[\u0152\u0153][^A-Za-z]",
  // degree sign after a capital
  `[${C.upperAccented}]\u00b0`,
  // common two-character Windows-1252 mojibake
  `[\u00c2\u00c3\u00ce\u00d0][\u20ac\u0153\u0160\u0161\u00a2\u00a3\u0178\u017e\u00a0\u00ad\u00ae\u00a9\u00b0\u00b7\u00bb${C.startPunct}${C.endPunct}\u2013\u2014\u00b4]`,
  "\u00d7[\u00b2\u00b3]",
  // Windows-1252 mojibake of Arabic: four characters
  `[\u00d8\u00d9][${C.common}${C.currency}${C.bad}${C.numeric}${C.startPunct}\u0178\u0160\u00ae\u00b0\u00b5\u00bb][\u00d8\u00d9][${C.common}${C.currency}${C.bad}${C.numeric}${C.startPunct}\u0178\u0160\u00ae\u00b0\u00b5\u00bb]`,
  "\u00e0[\u00b2\u00b5\u00b9\u00bc\u00bd\u00be]",
  // MacRoman
  "\u221a[\u00b1\u2202\u2020\u2260\u00ae\u2122\u00b4\u2264\u2265\u00a5\u00b5\u00f8]",
  "\u2248[\u00b0\u00a2]",
  "\u201a\u00c4[\u00ec\u00ee\u00ef\u00f2\u00f4\u00fa\u00f9\u00fb\u2020\u00b0\u00a2\u03c0]",
  "\u201a[\u00e2\u00f3][\u00e0\u00e4\u00b0\u00ea]",
  // Windows-1251
  "\u0432\u0402",
  `[\u0412\u0413\u0420\u0421][${C.c1}${C.bad}${C.startPunct}${C.endPunct}${C.currency}\u00b0\u00b5][\u0412\u0413\u0420\u0421]`,
  // Python's "." (anything but "\n")
  "\u0413\u045e\u0412\u0402\u0412[^\n][A-Za-z ]",
  // Windows-1252 encodings of à, á and A0
  "\u00c3[\u00a0\u00a1]",
  `[a-z][${PY_SPACE}]?[\u00c3\u00c2] `,
  "^[\u00c3\u00c2] ",
  `[a-z.,?!${C.endPunct}]\u00c2[ ${C.startPunct}${C.endPunct}]`,
  // Windows-1253
  "\u03b2\u20ac[\u2122\u00a0\u0386\u00ad\u00ae\u00b0]",
  `[\u0392\u0393\u039e\u039f][${C.c1}${C.bad}${C.startPunct}${C.endPunct}${C.currency}\u00b0][\u0392\u0393\u039e\u039f]`,
  // Windows-1257
  "\u0101\u20ac",
];

const BADNESS_RE = new RegExp(BADNESS_ALTERNATIVES.join("|"), "u");

/** ftfy's `is_bad`: does the text contain a sequence that is very likely mojibake? */
export function isBad(text: string): boolean {
  return BADNESS_RE.test(text);
}

/** Windows-1252 bytes 0x80–0x9F; the five undefined ones decode "sloppily" to the C1 control of that value. */
const CP1252_HIGH =
  "\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f" +
  "\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178";

const CP1252_ENCODE = new Map<number, number>();
for (let i = 0; i < 256; i++) {
  const ch = i >= 0x80 && i < 0xa0 ? CP1252_HIGH.charCodeAt(i - 0x80) : i;
  CP1252_ENCODE.set(ch, i);
}

/** Windows-1252 decoding of a C1 control (what browsers do with stray 0x80–0x9F). */
export function cp1252Char(code: number): string {
  return code >= 0x80 && code < 0xa0 ? CP1252_HIGH[code - 0x80] : String.fromCharCode(code);
}

type SingleByte = "latin-1" | "sloppy-windows-1252";

function encodeSingleByte(text: string, encoding: SingleByte): Uint8Array | null {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const b = encoding === "latin-1" ? (c < 256 ? c : undefined) : CP1252_ENCODE.get(c);
    if (b === undefined) return null;
    out[i] = b;
  }
  return out;
}

const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function decodeUtf8Strict(bytes: Uint8Array): string | null {
  // Python's "utf-8" codec; CESU-8 / modified UTF-8 (ftfy's "utf-8-variants") is not attempted.
  if (bytes.includes(0xed) || bytes.includes(0xc0)) return null;
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    return null;
  }
}

const C1_RE = /[\u0080-\u009f]/g;

/** One step of ftfy's fix_encoding; returns the text unchanged when nothing applies. */
function fixEncodingOneStep(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ASCII detection
  if (text.length === 0 || /^[\x00-\x7f]*$/.test(text) || !isBad(text)) return text;
  for (const encoding of ["latin-1", "sloppy-windows-1252"] as const) {
    const bytes = encodeSingleByte(text, encoding);
    if (bytes === null) continue;
    const fixed = decodeUtf8Strict(bytes);
    if (fixed !== null) return fixed;
  }
  // ftfy then reads Latin-1 text as Windows-1252 (strictly, else via fix_c1_controls, sloppily); both come to
  // decoding each C1 control as its Windows-1252 character, the five undefined ones staying as they are.
  return text.replace(C1_RE, (m) => cp1252Char(m.charCodeAt(0)));
}

/** ftfy's fix_encoding: repeat single steps until the text stops changing. */
export function fixEncoding(text: string): string {
  for (;;) {
    const next = fixEncodingOneStep(text);
    if (next === text) return text;
    text = next;
  }
}
