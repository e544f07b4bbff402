// `reprodiff record <cases.json> --out <manifest.json>`: runs the cases and writes their expectations.
import { type RecordOptions, recordManifest } from "../provenance/manifest.node.js";

export interface RecordCommandOptions extends RecordOptions {
  out?: string;
}

export async function runRecord(input: string, options: RecordCommandOptions): Promise<string> {
  const out = options.out ?? input;
  const manifest = await recordManifest(input, out, options);
  const names = manifest.cases.map((c) => c.name);
  return `${out}: recorded ${names.length} case${names.length === 1 ? "" : "s"} (${names.join(", ")}) with numerics v${manifest.recordedWith?.numericsVersion}`;
}
