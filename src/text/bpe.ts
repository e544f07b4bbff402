// Byte-level BPE as GPT-2 and CLIP define it: every UTF-8 byte is first mapped to a printable character
// (bytes that are printable Latin-1 keep their character, the others are moved to U+0100 and up), words are
// merged pair by pair in merge-rank order, and CLIP marks the end of each word with "</w>".

/** byte → printable character (GPT-2's bytes_to_unicode). */
export const BYTE_ENCODER: readonly string[] = (() => {
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const table: string[] = new Array(256);
  let next = 0;
  for (let b = 0; b < 256; b++) table[b] = String.fromCharCode(printable(b) ? b : 256 + next++);
  return table;
})();

export const BYTE_DECODER: ReadonlyMap<string, number> = new Map(BYTE_ENCODER.map((ch, b) => [ch, b]));

const utf8 = new TextEncoder();

/** The byte-level spelling of a string: one printable character per UTF-8 byte. */
export function byteEncode(text: string): string {
  let out = "";
  for (const b of utf8.encode(text)) out += BYTE_ENCODER[b];
  return out;
}

export class BytePairEncoder {
  private readonly cache = new Map<string, string[]>();

  /** `ranks` maps "left right" to the merge's priority (lower merges first). */
  constructor(
    private readonly ranks: ReadonlyMap<string, number>,
    private readonly endOfWord = "</w>",
  ) {}

  /** Splits one byte-encoded word into vocabulary symbols. */
  encodeWord(token: string): string[] {
    const cached = this.cache.get(token);
    if (cached !== undefined) return cached;
    const chars = [...token];
    if (chars.length === 0) return [];
    let word = chars.slice(0, -1);
    word.push(chars[chars.length - 1] + this.endOfWord);
    while (word.length > 1) {
      let best = -1;
      let bestRank = Number.POSITIVE_INFINITY;
      for (let i = 0; i < word.length - 1; i++) {
        const rank = this.ranks.get(`${word[i]} ${word[i + 1]}`);
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          best = i;
        }
      }
      if (best < 0) break;
      const first = word[best];
      const second = word[best + 1];
      // Merge every left-to-right, non-overlapping occurrence of the winning pair, as CLIP's bpe() does.
      const merged: string[] = [];
      for (let i = 0; i < word.length; ) {
        if (i < word.length - 1 && word[i] === first && word[i + 1] === second) {
          merged.push(first + second);
          i += 2;
        } else {
          merged.push(word[i]);
          i += 1;
        }
      }
      word = merged;
    }
    // CLIP's bpe() special-cases a one-symbol input: "x" → "x</w>", which the construction above already gives.
    if (this.cache.size < 100_000) this.cache.set(token, word);
    return word;
  }
}
