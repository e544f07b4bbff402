// `reprodiff inspect <png>`: prints the provenance record a PNG carries.
import { readProvenanceFile } from "../provenance/file.node.js";
import type { ProvenanceRecord } from "../provenance/record.js";

export interface InspectOptions {
  json?: boolean;
}

function generatorsLine(record: ProvenanceRecord): string {
  const g = record.generator;
  const one = (r: { seed: string; state?: string }) =>
    `seed ${r.seed}${r.state ? " (state recorded: used before this call)" : ""}`;
  if (g.kind === "default") return `the default generator (seed ${g.generators[0].seed}, state recorded)`;
  if (g.kind === "single") return `one for the batch: ${one(g.generators[0])}`;
  const states = g.generators.filter((r) => r.state).length;
  return `one per image: seeds ${g.generators.map((r) => r.seed).join(", ")}${states ? ` (${states} with recorded states)` : ""}`;
}

/** The human-readable summary of a record. */
export function formatRecord(record: ProvenanceRecord, name: string): string {
  const m = record.model;
  const e = record.engine;
  const o = record.output;
  const rows: [string, string][] = [
    ["made by", `reprodiff ${record.library.version}, numerics v${record.numericsVersion}`],
    ["pipeline", `${record.pipeline.class} with ${record.scheduler.class}`],
    [
      "model",
      `${m.id} (${m.source}${m.commit ? `, commit ${m.commit}` : ""}${m.revision && m.revision !== m.commit ? `, revision ${m.revision}` : ""}${m.variant ? `, variant ${m.variant}` : ""})`,
    ],
    ...m.files.map((f): [string, string] => ["", `${f.path}  sha256 ${f.sha256}  ${f.size} bytes`]),
    [
      "call",
      Object.entries(record.call)
        .map(([k, v]) => `${k} ${JSON.stringify(v)}`)
        .join(", ") || "(no arguments)",
    ],
    ...(record.notRecorded.length ? [["not recorded", record.notRecorded.join(", ")] as [string, string]] : []),
    ["generators", generatorsLine(record)],
    ["dtype", record.dtype],
    [
      "engine",
      `${e.backend}, ${e.threads} thread${e.threads === 1 ? "" : "s"}, ${e.deterministic ? "deterministic" : "NOT deterministic"}, full determinism ${e.fullDeterminism ? "on" : "off"}`,
    ],
    [
      "output",
      `${o.kind} ${o.dtype} [${o.shape.join(", ")}], ${o.stepsRun} steps run${o.interrupted ? " (interrupted)" : ""}`,
    ],
    ["output sha256", o.sha256],
  ];
  if (record.image) {
    const im = record.image;
    rows.push([
      "this PNG",
      im.kind === "image"
        ? `image ${im.index} of ${o.shape[0]}${im.scale > 1 ? `, enlarged ${im.scale}x` : ""}`
        : `grid of all ${o.shape[0]} images, ${im.columns} per row${im.scale > 1 ? `, enlarged ${im.scale}x` : ""}`,
    ]);
  }
  rows.push([
    "scheduler config",
    Object.entries(record.scheduler.config)
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(" "),
  ]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return [
    `${name}: reprodiff provenance (format ${record.formatVersion})`,
    ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`),
  ].join("\n");
}

export async function runInspect(png: string, options: InspectOptions): Promise<string> {
  const record = await readProvenanceFile(png);
  return options.json ? JSON.stringify(record, null, 2) : formatRecord(record, png);
}
