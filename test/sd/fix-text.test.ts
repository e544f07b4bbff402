import assert from "node:assert/strict";
import { test } from "node:test";
import { fixText, isBad, unescapeHtml } from "../../src/text/index.js";

// Expected values are ftfy 6.3's own documented examples (docstrings of fixes.py / __init__.py).
test("fixText: HTML entities, including ftfy's all-caps forms, only while no '<' has been seen", () => {
  assert.equal(unescapeHtml("&lt;tag&gt;"), "<tag>");
  assert.equal(unescapeHtml("P&EACUTE;REZ"), "P\u00c9REZ");
  assert.equal(unescapeHtml("&ntilde; &Ntilde; &NTILDE; &nTILDE;"), "\u00f1 \u00d1 \u00d1 &nTILDE;");
  assert.equal(unescapeHtml("&Jscr;ohn &HilbertSpace;ancock"), "\u{1d4a5}ohn \u210bancock");
  assert.equal(unescapeHtml("&#65;&#x42;&#150;&#12ab;"), "AB\u2013&#12ab;");
  assert.equal(fixText("fish &amp; chips"), "fish & chips");
  assert.equal(fixText("a < b &amp; c"), "a < b &amp; c");
  assert.equal(fixText("&amp;\n<b>\n&amp;"), "&\n<b>\n&amp;");
});

test("fixText: mojibake (UTF-8 read as Latin-1 / Windows-1252) and the badness gate", () => {
  assert.equal(fixText("s\u00c3\u00b3"), "s\u00f3");
  assert.equal(fixText("caf\u00c3\u00a9 \u00e2\u0080\u009cquoted\u00e2\u0080\u009d"), 'caf\u00e9 "quoted"');
  assert.equal(fixText("\u00e2\u20ac\u0153hi\u00e2\u20ac\u009d"), '"hi"');
  assert.equal(isBad("caf\u00e9"), false);
  assert.equal(fixText("na\u00efve caf\u00e9"), "na\u00efve caf\u00e9");
});

test("fixText: ligatures, widths, quotes, line breaks, escapes, controls, NFC", () => {
  assert.equal(fixText("\ufb02u\ufb03e\ufb06"), "fluffiest");
  assert.equal(fixText("\uff2c\uff2f\uff35\uff24\u3000\uff2e\uff2f\uff29\uff33\uff25\uff33"), "LOUD NOISES");
  assert.equal(fixText("\u201chere\u2019s a test\u201d"), '"here\'s a test"');
  assert.equal(fixText("a\r\nb\rc\u2028d"), "a\nb\nc\nd");
  assert.equal(fixText("\x1b[36;44mblue\x1b[0m"), "blue");
  assert.equal(fixText("a\x00b\x07c\ufeffd\tz"), "abcd\tz");
  assert.equal(fixText("cafe\u0301"), "caf\u00e9");
  assert.equal(fixText("\ud800x"), "\ufffdx");
});
