// CLIPTokenizer: the slow (Python) tokenizer of transformers for CLIP text encoders, reading the `tokenizer/`
// folder of Stable Diffusion repositories (vocab.json, merges.txt, tokenizer_config.json,
// special_tokens_map.json). Text is cleaned like the reference (ftfy.fix_text, whitespace collapsed,
// lower-cased), split with CLIP's pattern, byte-level BPE encoded, and wrapped in <|startoftext|> … <|endoftext|>.

import { resolveFolder } from "../models/model.js";
import type { ModelSource } from "../models/source.js";
import { BYTE_DECODER, BytePairEncoder, byteEncode } from "./bpe.js";
import { fixText } from "./fix-text.js";
import { PY_SPACE } from "./mojibake.js";

export class TokenizerError extends Error {
  override name = "TokenizerError";
}

export type Padding = "max_length" | "longest" | false;

export interface EncodeOptions {
  /** "max_length" pads to `maxLength`; "longest" pads a batch to its longest entry (no-op for one text). */
  padding?: Padding;
  /** Defaults to the tokenizer's modelMaxLength where padding or truncation needs a length. */
  maxLength?: number;
  /** Cut the tokens (not the special tokens) so the result fits `maxLength`. */
  truncation?: boolean;
  /** Add <|startoftext|> and <|endoftext|> (default true). */
  addSpecialTokens?: boolean;
}

export interface Encoding {
  inputIds: number[];
  attentionMask: number[];
}

export interface BatchEncoding {
  inputIds: number[][];
  attentionMask: number[][];
}

export interface DecodeOptions {
  skipSpecialTokens?: boolean;
}

export interface CLIPTokenizerFiles {
  /** vocab.json text. */
  vocab: string;
  /** merges.txt text. */
  merges: string;
  /** tokenizer_config.json text, if present. */
  tokenizerConfig?: string;
  /** special_tokens_map.json text, if present. */
  specialTokensMap?: string;
  /** Folder shown in error messages. */
  location?: string;
}

// transformers' CLIPTokenizer reads only the first 49152 - 256 - 2 merges (the rest of openai's BPE file
// was never part of the vocabulary).
const MAX_MERGES = 49152 - 256 - 2;
const CLIP_PATTERN = new RegExp(
  `<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^${PY_SPACE}\\p{L}\\p{N}]+`,
  "giu",
);
const PY_SPACE_RUN = new RegExp(`[${PY_SPACE}]+`, "g");
const PY_SPACE_EDGES = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, "g");

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new TokenizerError(`${where}: invalid JSON (${(e as Error).message})`);
  }
}

/** A special token given as a string or as transformers' serialized AddedToken ({ content, ... }). */
function tokenContent(value: unknown, where: string, key: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "object" && typeof (value as { content?: unknown }).content === "string") {
    return (value as { content: string }).content;
  }
  throw new TokenizerError(`${where}: "${key}" must be a string or an object with a string "content"`);
}

export class CLIPTokenizer {
  readonly vocab: ReadonlyMap<string, number>;
  private readonly idToToken: Map<number, string>;
  private readonly bpe: BytePairEncoder;
  readonly bosToken: string;
  readonly eosToken: string;
  readonly padToken: string;
  readonly unkToken: string;
  /** Longest input the text encoder accepts (77 for CLIP); prompts are truncated to it. */
  readonly modelMaxLength: number;
  private readonly specialTokens: string[];
  private readonly specialSplit: RegExp;
  private warnedLength = false;
  /** Receives upstream's warnings (console.warn by default). */
  onWarning: (message: string) => void = (message) => console.warn(message);

  private constructor(files: CLIPTokenizerFiles) {
    const where = files.location ?? "tokenizer";
    const vocabJson = parseJson(files.vocab, `${where}/vocab.json`);
    if (vocabJson === null || typeof vocabJson !== "object" || Array.isArray(vocabJson)) {
      throw new TokenizerError(`${where}/vocab.json: expected an object mapping tokens to ids`);
    }
    const vocab = new Map<string, number>();
    this.idToToken = new Map();
    for (const [token, id] of Object.entries(vocabJson)) {
      if (typeof id !== "number" || !Number.isSafeInteger(id) || id < 0) {
        throw new TokenizerError(
          `${where}/vocab.json: id of token ${JSON.stringify(token)} must be a non-negative integer, got ${JSON.stringify(id)}`,
        );
      }
      vocab.set(token, id);
      this.idToToken.set(id, token);
    }
    this.vocab = vocab;

    const lines = files.merges.replace(/\r\n/g, "\n").trim().split("\n");
    const ranks = new Map<string, number>();
    // Line 0 is the "#version" header, skipped whatever it says (as upstream does).
    const mergeLines = lines.slice(1, MAX_MERGES + 1);
    for (let i = 0; i < mergeLines.length; i++) {
      const parts = mergeLines[i].split(" ");
      if (parts.length !== 2 || parts[0] === "" || parts[1] === "") {
        throw new TokenizerError(
          `${where}/merges.txt: line ${i + 2} must be two symbols separated by one space, got ${JSON.stringify(mergeLines[i])}`,
        );
      }
      const key = `${parts[0]} ${parts[1]}`;
      if (!ranks.has(key)) ranks.set(key, i);
    }
    this.bpe = new BytePairEncoder(ranks);

    const config =
      files.tokenizerConfig === undefined ? {} : parseJson(files.tokenizerConfig, `${where}/tokenizer_config.json`);
    if (config === null || typeof config !== "object" || Array.isArray(config)) {
      throw new TokenizerError(`${where}/tokenizer_config.json: expected a JSON object`);
    }
    const specialMap =
      files.specialTokensMap === undefined ? {} : parseJson(files.specialTokensMap, `${where}/special_tokens_map.json`);
    if (specialMap === null || typeof specialMap !== "object" || Array.isArray(specialMap)) {
      throw new TokenizerError(`${where}/special_tokens_map.json: expected a JSON object`);
    }
    const cfg = config as Record<string, unknown>;
    const map = specialMap as Record<string, unknown>;
    // special_tokens_map.json wins over tokenizer_config.json, which wins over CLIPTokenizer's defaults.
    const special = (key: string, fallback: string): string =>
      tokenContent(map[key], `${where}/special_tokens_map.json`, key) ??
      tokenContent(cfg[key], `${where}/tokenizer_config.json`, key) ??
      fallback;
    this.bosToken = special("bos_token", "<|startoftext|>");
    this.eosToken = special("eos_token", "<|endoftext|>");
    this.unkToken = special("unk_token", "<|endoftext|>");
    this.padToken = special("pad_token", "<|endoftext|>");
    for (const [key, token] of [
      ["bos_token", this.bosToken],
      ["eos_token", this.eosToken],
      ["unk_token", this.unkToken],
      ["pad_token", this.padToken],
    ] as const) {
      if (!vocab.has(token)) {
        throw new TokenizerError(`${where}/vocab.json: ${key} ${JSON.stringify(token)} is not in the vocabulary`);
      }
    }
    const maxLen = cfg.model_max_length;
    if (maxLen === undefined) {
      // transformers' VERY_LARGE_INTEGER: no limit configured.
      this.modelMaxLength = Number.MAX_SAFE_INTEGER;
    } else if (typeof maxLen !== "number" || !Number.isSafeInteger(maxLen) || maxLen < 2) {
      if (typeof maxLen === "number" && maxLen >= 1e20) {
        this.modelMaxLength = Number.MAX_SAFE_INTEGER;
      } else {
        throw new TokenizerError(
          `${where}/tokenizer_config.json: "model_max_length" must be an integer >= 2, got ${JSON.stringify(maxLen)}`,
        );
      }
    } else {
      this.modelMaxLength = maxLen;
    }
    this.specialTokens = [...new Set([this.bosToken, this.eosToken, this.unkToken, this.padToken])];
    // Longest first, so that a token that is a prefix of another never wins.
    const alternatives = [...this.specialTokens]
      .sort((a, b) => b.length - a.length)
      .map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    this.specialSplit = new RegExp(`(${alternatives.join("|")})`);
  }

  /** Builds a tokenizer from the files' contents (browser-friendly). */
  static fromFiles(files: CLIPTokenizerFiles): CLIPTokenizer {
    return new CLIPTokenizer(files);
  }

  /** Loads a `tokenizer/` folder from any `ModelSource` (a path or Hub repo id, a URL, a ModelFolder). */
  static async fromPretrained(location: ModelSource, options: { subfolder?: string } = {}) {
    const dir = options.subfolder === undefined || options.subfolder === "" ? "" : `${options.subfolder}/`;
    const folder = await resolveFolder(location, {}, `${dir}vocab.json`);
    const where = `${folder.location}${dir === "" ? "" : `/${options.subfolder}`}`;
    for (const required of ["vocab.json", "merges.txt"]) {
      if (!(await folder.exists(dir + required))) {
        throw new TokenizerError(`${where}/${required}: not found (is this a CLIP tokenizer folder?)`);
      }
    }
    const optional = async (name: string) =>
      (await folder.exists(dir + name)) ? folder.readText(dir + name) : undefined;
    return new CLIPTokenizer({
      vocab: await folder.readText(`${dir}vocab.json`),
      merges: await folder.readText(`${dir}merges.txt`),
      tokenizerConfig: await optional("tokenizer_config.json"),
      specialTokensMap: await optional("special_tokens_map.json"),
      location: where,
    });
  }

  get vocabSize(): number {
    return this.vocab.size;
  }

  get bosTokenId(): number {
    return this.vocab.get(this.bosToken)!;
  }

  get eosTokenId(): number {
    return this.vocab.get(this.eosToken)!;
  }

  get padTokenId(): number {
    return this.vocab.get(this.padToken)!;
  }

  /** The reference's cleaning: ftfy.fix_text, whitespace runs → one space, trimmed, lower-cased. */
  static cleanText(text: string): string {
    return fixText(text).replace(PY_SPACE_RUN, " ").replace(PY_SPACE_EDGES, "").toLowerCase();
  }

  /** BPE tokens of `text` (special tokens written in the text are kept whole, as upstream does). */
  tokenize(text: string): string[] {
    if (typeof text !== "string") throw new TypeError(`CLIPTokenizer: expected a string, got ${typeof text}`);
    const out: string[] = [];
    for (const chunk of text.split(this.specialSplit)) {
      if (chunk === "") continue;
      if (this.specialTokens.includes(chunk)) {
        out.push(chunk);
        continue;
      }
      const cleaned = CLIPTokenizer.cleanText(chunk);
      for (const match of cleaned.matchAll(CLIP_PATTERN)) out.push(...this.bpe.encodeWord(byteEncode(match[0])));
    }
    return out;
  }

  convertTokensToIds(tokens: readonly string[]): number[] {
    const unk = this.vocab.get(this.unkToken)!;
    return tokens.map((t) => this.vocab.get(t) ?? unk);
  }

  convertIdsToTokens(ids: readonly number[]): string[] {
    return ids.map((id) => {
      const token = this.idToToken.get(id);
      if (token === undefined) throw new RangeError(`CLIPTokenizer: id ${id} is not in the vocabulary`);
      return token;
    });
  }

  private resolveLengths(options: EncodeOptions): { maxLength: number | null; truncate: boolean } {
    const padding = options.padding ?? false;
    if (padding !== false && padding !== "max_length" && padding !== "longest") {
      throw new RangeError(`CLIPTokenizer: padding must be "max_length", "longest" or false, got ${String(padding)}`);
    }
    const max = options.maxLength;
    if (max !== undefined && (!Number.isSafeInteger(max) || max < 0)) {
      throw new RangeError(`CLIPTokenizer: maxLength must be a non-negative integer, got ${String(max)}`);
    }
    // Like transformers: maxLength alone (no padding) implies truncation.
    const truncate = options.truncation ?? (max !== undefined && padding === false);
    const needsLength = truncate || padding === "max_length";
    return { maxLength: needsLength ? (max ?? this.modelMaxLength) : null, truncate };
  }

  private encodeOne(text: string, options: EncodeOptions, maxLength: number | null, truncate: boolean): number[] {
    const special = options.addSpecialTokens ?? true;
    let ids = this.convertTokensToIds(this.tokenize(text));
    const extra = special ? 2 : 0;
    if (truncate && maxLength !== null && ids.length + extra > maxLength) {
      if (maxLength < extra) {
        throw new RangeError(`CLIPTokenizer: maxLength ${maxLength} leaves no room for the ${extra} special tokens`);
      }
      ids = ids.slice(0, maxLength - extra);
    }
    const full = special ? [this.bosTokenId, ...ids, this.eosTokenId] : ids;
    if (!truncate && full.length > this.modelMaxLength && !this.warnedLength) {
      this.warnedLength = true;
      this.onWarning(
        `Token indices sequence length is longer than the specified maximum sequence length for this model (${full.length} > ${this.modelMaxLength}). Running this sequence through the model will result in indexing errors`,
      );
    }
    return full;
  }

  private pad(ids: number[], length: number): Encoding {
    const n = Math.max(0, length - ids.length);
    return {
      inputIds: [...ids, ...new Array<number>(n).fill(this.padTokenId)],
      attentionMask: [...new Array<number>(ids.length).fill(1), ...new Array<number>(n).fill(0)],
    };
  }

  /** Token ids (with <|startoftext|>/<|endoftext|>) and attention mask of one text. */
  encode(text: string, options: EncodeOptions = {}): Encoding {
    const { maxLength, truncate } = this.resolveLengths(options);
    const ids = this.encodeOne(text, options, maxLength, truncate);
    return this.pad(ids, options.padding === "max_length" ? maxLength! : ids.length);
  }

  /** Encodes several texts; "longest" pads every row to the longest one. */
  encodeBatch(texts: readonly string[], options: EncodeOptions = {}): BatchEncoding {
    if (!Array.isArray(texts)) throw new TypeError("CLIPTokenizer.encodeBatch: expected an array of strings");
    const { maxLength, truncate } = this.resolveLengths(options);
    const rows = texts.map((t) => this.encodeOne(t, options, maxLength, truncate));
    const target =
      options.padding === "max_length"
        ? maxLength!
        : options.padding === "longest"
          ? Math.max(0, ...rows.map((r) => r.length))
          : 0;
    const padded = rows.map((r) => this.pad(r, target));
    return { inputIds: padded.map((p) => p.inputIds), attentionMask: padded.map((p) => p.attentionMask) };
  }

  /**
   * Text of the ids: byte-level symbols back to UTF-8 (invalid bytes → U+FFFD), "</w>" → " ". Special tokens
   * are spelled out like any other token (upstream's slow tokenizer does the same) unless skipped.
   */
  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    let tokens = this.convertIdsToTokens(ids);
    if (options.skipSpecialTokens) tokens = tokens.filter((t) => !this.specialTokens.includes(t));
    return this.tokensToString(tokens);
  }

  private tokensToString(tokens: readonly string[]): string {
    const bytes: number[] = [];
    for (const ch of tokens.join("")) {
      const b = BYTE_DECODER.get(ch);
      if (b === undefined) throw new RangeError(`CLIPTokenizer: ${JSON.stringify(ch)} is not a byte-level symbol`);
      bytes.push(b);
    }
    return new TextDecoder("utf-8", { fatal: false, ignoreBOM: true })
      .decode(new Uint8Array(bytes))
      .replace(/<\/w>/g, " ")
      .replace(PY_SPACE_EDGES, "");
  }
}
