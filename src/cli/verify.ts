// `reprodiff verify <manifest.json>`: runs a golden manifest's cases; non-zero exit on any regression.
import { formatVerifyReport, type VerifyOptions, verifyManifest } from "../provenance/manifest.node.js";

export interface VerifyCommandOptions extends VerifyOptions {
  json?: boolean;
}

export async function runVerify(
  manifest: string,
  options: VerifyCommandOptions,
): Promise<{ text: string; ok: boolean }> {
  const report = await verifyManifest(manifest, options);
  return { text: options.json ? JSON.stringify(report, null, 2) : formatVerifyReport(report), ok: report.ok };
}
