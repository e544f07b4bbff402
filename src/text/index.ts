export { BYTE_DECODER, BYTE_ENCODER, BytePairEncoder, byteEncode } from "./bpe.js";
export {
  type BatchEncoding,
  CLIPTokenizer,
  type CLIPTokenizerFiles,
  type DecodeOptions,
  type EncodeOptions,
  type Encoding,
  type Padding,
  TokenizerError,
} from "./clip-tokenizer.js";
export { fixText, unescapeHtml } from "./fix-text.js";
export { fixEncoding, isBad } from "./mojibake.js";
