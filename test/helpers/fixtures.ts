// Test fixtures live in the source tree (test/fixtures), not in dist; compiled tests find them from here.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { SafetensorsBuffer } from "../../src/io/safetensors.js";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

export function fixturePath(...parts: string[]): string {
  return [repoRoot.replace(/\/$/, ""), "test", "fixtures", ...parts].join("/");
}

export function loadSafetensorsFixture(...parts: string[]): SafetensorsBuffer {
  const path = fixturePath(...parts);
  return SafetensorsBuffer.parse(readFileSync(path), path);
}

export function loadJsonFixture<T = unknown>(...parts: string[]): T {
  return JSON.parse(readFileSync(fixturePath(...parts), "utf8")) as T;
}

/** `../shared` beside the repo, for the optional conformance suite; null when absent. */
export function sharedPath(...parts: string[]): string | null {
  const path = [repoRoot.replace(/\/$/, ""), "..", "shared", ...parts].join("/");
  return existsSync(path) ? path : null;
}
