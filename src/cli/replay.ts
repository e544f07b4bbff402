// `reprodiff replay <png>`: makes the PNG's generation again and reports bit-identical or what differs and why.
import { type ReplayOptions, type ReplayReport, replayPng } from "../provenance/replay.node.js";

export interface ReplayCommandOptions extends ReplayOptions {
  json?: boolean;
}

const g = (x: number) => (x === 0 ? "0" : x.toExponential(3));

/** True when the replay reproduced the output bit for bit and the PNG's pixels are what it renders to. */
export function replaySucceeded(report: ReplayReport): boolean {
  return report.bitIdentical && (report.pixels === null || report.pixels.pixelsChanged === 0);
}

export function formatReplay(report: ReplayReport, png: string): string {
  const r = report.recorded;
  const lines: string[] = [];
  lines.push(
    `replay ${png}: ${r.pipeline.class} ${r.scheduler.class}, ${r.model.id}, ${r.output.stepsRun} steps, engine ${report.replayed.engine.backend} (${report.replayed.engine.threads} threads)`,
  );
  if (replaySucceeded(report)) {
    lines.push(`bit-identical: output sha256 ${report.replayed.output.sha256}`);
  } else if (report.bitIdentical) {
    lines.push(
      `the float output is bit-identical (sha256 ${report.replayed.output.sha256}), but the PNG's pixels are not`,
    );
  } else {
    lines.push("DIFFERENT:");
    lines.push(`  output sha256   ${report.replayed.output.sha256} now`);
    lines.push(`                  ${r.output.sha256} recorded`);
  }
  if (report.floats && report.floats.elementsChanged > 0) {
    const f = report.floats;
    lines.push(
      `  floats          max|Δ| ${g(f.maxAbsDiff)}, mean|Δ| ${g(f.meanAbsDiff)}, cosine distance ${g(f.cosineDistance)}, ${f.elementsChanged} of ${f.elements} values changed (against ${report.floatsFrom})`,
    );
  } else if (!report.bitIdentical && !report.floats) {
    lines.push(
      "  floats          (the original float output is not available; pass --npy <images.npy> for float differences)",
    );
  }
  if (report.pixels && report.pixels.pixelsChanged > 0) {
    const p = report.pixels;
    lines.push(
      `  pixels          ${p.pixelsChanged} of ${p.pixels} pixels changed, max ${p.maxLevelDiff}/255, mean|Δ| ${g(p.meanAbsDiff)}`,
    );
  } else if (report.pixels && !report.bitIdentical) {
    lines.push(
      `  pixels          none of the ${report.pixels.pixels} pixels changed (the difference is below 8-bit rounding)`,
    );
  }
  if (!report.bitIdentical) {
    if (report.reasons.length > 0) lines.push("why:");
    for (const reason of report.reasons) lines.push(`  - ${reason.message}`);
  }
  for (const note of report.notes) lines.push(`note: ${note}`);
  return lines.join("\n");
}

export async function runReplay(png: string, options: ReplayCommandOptions): Promise<{ text: string; ok: boolean }> {
  const report = await replayPng(png, options);
  const ok = replaySucceeded(report);
  if (options.json) {
    const { recorded: _r, replayed, ...rest } = report;
    return {
      text: JSON.stringify(
        { png, ok, ...rest, replayedOutput: replayed.output, replayedEngine: replayed.engine },
        null,
        2,
      ),
      ok,
    };
  }
  return { text: formatReplay(report, png), ok };
}
