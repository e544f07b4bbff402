import assert from "node:assert/strict";
import { test } from "node:test";
import { CLIPTokenizer, TokenizerError } from "../../src/text/index.js";
import { fixturePath, loadJsonFixture } from "../helpers/fixtures.js";

interface TokCase {
  name: string;
  prompt: string;
  input_ids: number[];
  attention_mask: number[];
  input_ids_unpadded: number[];
  tokens_unpadded: string[];
  truncated: boolean;
  decoded: string;
}
interface BatchCase {
  name: string;
  prompts: string[];
  call_kwargs: { padding: "longest" | "max_length"; max_length?: number; truncation?: boolean };
  input_ids: number[][];
  attention_mask: number[][];
}
const golden = loadJsonFixture<{ cases: TokCase[]; batch_cases: BatchCase[] }>("sd", "tokenization.json");
const folder = fixturePath("sd", "tiny-sd-pipe", "tokenizer");
const load = async () => {
  const tok = await CLIPTokenizer.fromPretrained(folder);
  const warnings: string[] = [];
  tok.onWarning = (m) => warnings.push(m);
  return { tok, warnings };
};

test("tokenizer: every golden prompt gives the reference ids, tokens, mask and decode (ftfy cleaning)", async () => {
  const { tok } = await load();
  assert.equal(tok.modelMaxLength, 77);
  assert.equal(tok.vocabSize, 49408);
  assert.equal(golden.cases.length, 43);
  for (const c of golden.cases) {
    assert.deepEqual(tok.tokenize(c.prompt), c.tokens_unpadded.slice(1, -1), `${c.name}: tokens`);
    const padded = tok.encode(c.prompt, { padding: "max_length", maxLength: 77, truncation: true });
    assert.deepEqual(padded.inputIds, c.input_ids, `${c.name}: padded ids`);
    assert.deepEqual(padded.attentionMask, c.attention_mask, `${c.name}: mask`);
    const unpadded = tok.encode(c.prompt);
    assert.deepEqual(unpadded.inputIds, c.input_ids_unpadded, `${c.name}: unpadded ids`);
    assert.equal(unpadded.inputIds.length > 77, c.truncated, `${c.name}: truncated flag`);
    assert.equal(tok.decode(c.input_ids_unpadded, { skipSpecialTokens: true }), c.decoded, `${c.name}: decode`);
  }
});

test("tokenizer: batch encoding pads to the longest row or to max_length", async () => {
  const { tok } = await load();
  for (const b of golden.batch_cases) {
    const out = tok.encodeBatch(b.prompts, {
      padding: b.call_kwargs.padding,
      maxLength: b.call_kwargs.max_length,
      truncation: b.call_kwargs.truncation,
    });
    assert.deepEqual(out.inputIds, b.input_ids, b.name);
    assert.deepEqual(out.attentionMask, b.attention_mask, b.name);
  }
});

test("tokenizer: long prompts truncate silently when asked, warn once (upstream's message) when not", async () => {
  const { tok, warnings } = await load();
  const long = golden.cases.find((c) => c.name === "long_prompt_2")!;
  assert.equal(tok.encode(long.prompt, { truncation: true }).inputIds.length, 77);
  assert.equal(tok.encode(long.prompt, { maxLength: 77 }).inputIds.length, 77);
  assert.equal(warnings.length, 0);
  assert.equal(tok.encode(long.prompt).inputIds.length, 191);
  tok.encode(long.prompt);
  assert.equal(warnings.length, 1);
  assert.match(
    warnings[0],
    /sequence length is longer than the specified maximum sequence length for this model \(191 > 77\)/,
  );
  const ids = tok.encode("a cat", { padding: "max_length", maxLength: 10 }).inputIds;
  assert.deepEqual(ids, [49406, 320, 2368, 49407, 49407, 49407, 49407, 49407, 49407, 49407]);
  assert.deepEqual(tok.encode("a cat", { addSpecialTokens: false }).inputIds, [320, 2368]);
  assert.throws(() => tok.encode("a", { padding: "max" as never }), /padding must be/);
  assert.equal(tok.decode([49406, 320, 49407]), "<|startoftext|>a <|endoftext|>");
});

test("tokenizer: malformed files fail naming the file and field", () => {
  const vocab = JSON.stringify({ a: 0, "a</w>": 1, "<|startoftext|>": 2, "<|endoftext|>": 3 });
  const ok = CLIPTokenizer.fromFiles({ vocab, merges: "#version: 0.2\n" });
  assert.deepEqual(ok.encode("a a").inputIds, [2, 1, 1, 3]);
  assert.throws(
    () => CLIPTokenizer.fromFiles({ vocab: "{", merges: "" }),
    (e: Error) => {
      assert.ok(e instanceof TokenizerError);
      assert.match(e.message, /vocab\.json: invalid JSON/);
      return true;
    },
  );
  assert.throws(() => CLIPTokenizer.fromFiles({ vocab: '{"a": "x"}', merges: "" }), /vocab\.json: id of token "a"/);
  assert.throws(
    () => CLIPTokenizer.fromFiles({ vocab, merges: "#version: 0.2\na b\nbroken-line\n" }),
    /merges\.txt: line 3 must be two symbols/,
  );
  assert.throws(
    () => CLIPTokenizer.fromFiles({ vocab, merges: "#v\n", tokenizerConfig: '{"model_max_length": "77"}' }),
    /tokenizer_config\.json: "model_max_length"/,
  );
  assert.throws(
    () => CLIPTokenizer.fromFiles({ vocab, merges: "#v\n", specialTokensMap: '{"pad_token": "<pad>"}' }),
    /pad_token "<pad>" is not in the vocabulary/,
  );
  assert.throws(
    () => CLIPTokenizer.fromFiles({ vocab, merges: "#v\n", tokenizerConfig: '{"bos_token": 3}' }),
    /tokenizer_config\.json: "bos_token" must be a string/,
  );
});

test("tokenizer: a folder without vocab.json fails clearly", async () => {
  await assert.rejects(
    CLIPTokenizer.fromPretrained(fixturePath("sd", "tiny-sd-pipe", "unet")),
    /vocab\.json: not found/,
  );
});
