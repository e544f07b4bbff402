import { readFileSync } from "node:fs";
import { listBackends } from "../engine/index.js";
import { hubCacheDir } from "../hub/index.js";
import { bundledModelPath } from "../pipelines/bundled.node.js";
import { engineInfo } from "../pipelines/engine-info.js";

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

/** `reprodiff env`: what a bug report needs, one `key: value` per line. */
export function envReport(): string {
  const engine = engineInfo();
  let bundled: string;
  try {
    bundled = bundledModelPath();
  } catch (err) {
    bundled = `missing (${(err as Error).message})`;
  }
  const lines: [string, string][] = [
    ["reprodiff", packageVersion()],
    ["node", process.versions.node],
    ["v8", process.versions.v8],
    ["platform", `${process.platform}-${process.arch}`],
    ["engine backend", engine.backend],
    ["engine threads", String(engine.threads)],
    ["backends", listBackends().join(", ")],
    ["numerics version", engine.numericsVersion],
    ["deterministic", String(engine.deterministic)],
    ["full determinism", engine.fullDeterminism ? "enabled" : "disabled"],
    ["hub cache", hubCacheDir()],
    ["hub offline", process.env.HF_HUB_OFFLINE ? `HF_HUB_OFFLINE=${process.env.HF_HUB_OFFLINE}` : "no"],
    ["bundled model", bundled],
  ];
  const width = Math.max(...lines.map(([k]) => k.length));
  return lines.map(([k, v]) => `${`${k}:`.padEnd(width + 2)}${v}`).join("\n");
}
