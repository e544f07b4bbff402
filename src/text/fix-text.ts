// ftfy.fix_text (ftfy 6.3, default settings), which the slow CLIPTokenizer applies to every prompt before
// tokenizing when ftfy is installed (as it was for the reference ids). The steps and their order follow
// ftfy's fix_and_explain; mojibake repair covers Latin-1 / Windows-1252 (see mojibake.ts).

import { HTML_ENTITIES } from "./html-entities.js";
import { cp1252Char, fixEncoding } from "./mojibake.js";

const HTML_ENTITY_RE = /&#?[0-9A-Za-z]{1,24};/g;

// Python's html.decodeEntities for numeric references: C1 numbers mean their Windows-1252 characters,
// 0 / surrogates / out-of-range become U+FFFD, and a few non-characters and controls are dropped.
function numericReference(code: number): string {
  if (code >= 0x80 && code <= 0x9f) return cp1252Char(code);
  if (code === 0 || (code >= 0xd800 && code <= 0xdfff) || code > 0x10ffff) return "\ufffd";
  const dropped =
    (code >= 0x1 && code <= 0x8) ||
    code === 0xb ||
    (code >= 0xe && code <= 0x1f) ||
    (code >= 0x7f && code <= 0x9f) ||
    (code >= 0xfdd0 && code <= 0xfdef) ||
    (code & 0xfffe) === 0xfffe;
  return dropped ? "" : String.fromCodePoint(code);
}

/** ftfy's unescape_html: named references that end in ";" (and their all-caps forms), and numeric ones. */
export function unescapeHtml(text: string): string {
  return text.replace(HTML_ENTITY_RE, (m) => {
    const name = m.slice(1, -1);
    if (Object.hasOwn(HTML_ENTITIES, name)) return HTML_ENTITIES[name];
    if (!m.startsWith("&#")) return m;
    // Only a reference that html.decodeEntities consumes whole (through the ";") is decoded.
    const dec = /^&#([0-9]+);$/.exec(m);
    const hex = /^&#[xX]([0-9a-fA-F]+);$/.exec(m);
    if (dec === null && hex === null) return m;
    const digits = dec !== null ? dec[1] : hex![1];
    const code = Number.parseInt(digits, dec !== null ? 10 : 16);
    return numericReference(Number.isSafeInteger(code) ? code : 0x110000);
  });
}

const LIGATURES: Record<string, string> = {
  "\u0132": "IJ",
  "\u0133": "ij",
  "\u0149": "\u02bcn",
  "\u01f1": "DZ",
  "\u01f2": "Dz",
  "\u01f3": "dz",
  "\u01c4": "D\u017d",
  "\u01c5": "D\u017e",
  "\u01c6": "d\u017e",
  "\u01c7": "LJ",
  "\u01c8": "Lj",
  "\u01c9": "lj",
  "\u01ca": "NJ",
  "\u01cb": "Nj",
  "\u01cc": "nj",
  "\ufb00": "ff",
  "\ufb01": "fi",
  "\ufb02": "fl",
  "\ufb03": "ffi",
  "\ufb04": "ffl",
  "\ufb05": "\u017ft",
  "\ufb06": "st",
};
const LIGATURE_RE = new RegExp(`[${Object.keys(LIGATURES).join("")}]`, "g");

// Halfwidth and fullwidth forms (U+FF01–U+FFEF) map to their NFKC form, and the ideographic space to " ".
const WIDTH_MAP = new Map<string, string>([["\u3000", " "]]);
for (let i = 0xff01; i < 0xfff0; i++) {
  const ch = String.fromCharCode(i);
  const alt = ch.normalize("NFKC");
  if (alt !== ch) WIDTH_MAP.set(ch, alt);
}
const WIDTH_RE = /[\u3000\uff01-\uffef]/g;

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences
const ANSI_RE = /\x1b\[((?:\d|;)*)([a-zA-Z])/g;
// ASCII controls other than \t \n \f \r, deprecated Arabic format controls, the BOM and U+FFF9–U+FFFC.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the characters being removed
const CONTROL_RE = /[\x00-\x08\x0b\x0e-\x1f\x7f\u206a-\u206f\ufeff\ufff9-\ufffc]/g;
// A JS string cannot hold an unpaired surrogate pair "the wrong way round" differently from Python's, but
// it can hold lone halves: those become U+FFFD (pairs are already one character).
const LONE_SURROGATE_RE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function fixSegment(text: string, decodeEntities: boolean): string {
  for (;;) {
    const orig = text;
    if (decodeEntities) text = unescapeHtml(text);
    text = fixEncoding(text);
    text = text.replace(/[\u0080-\u009f]/g, (m) => cp1252Char(m.charCodeAt(0)));
    text = text.replace(LIGATURE_RE, (m) => LIGATURES[m]);
    text = text.replace(WIDTH_RE, (m) => WIDTH_MAP.get(m) ?? m);
    text = text.replace(/[\u201c-\u201f]/g, '"').replace(/[\u02bc\u2018-\u201b]/g, "'");
    text = text.replace(/\r\n/g, "\n").replace(/[\r\u2028\u2029\u0085]/g, "\n");
    text = text.replace(LONE_SURROGATE_RE, "\ufffd");
    text = text.replace(ANSI_RE, "");
    text = text.replace(CONTROL_RE, "");
    text = text.normalize("NFC");
    if (text === orig) return text;
  }
}

/**
 * ftfy.fix_text with its defaults: the text is fixed line by line; HTML entities are decoded only until a
 * line containing "<" is met (from then on the text is taken to be HTML source, left as written).
 */
export function fixText(text: string): string {
  let out = "";
  let decodeEntities = true;
  let pos = 0;
  while (pos < text.length) {
    const nl = text.indexOf("\n", pos);
    const end = nl === -1 ? text.length : nl + 1;
    const segment = text.slice(pos, end);
    if (segment.includes("<")) decodeEntities = false;
    out += fixSegment(segment, decodeEntities);
    pos = end;
  }
  return out;
}
