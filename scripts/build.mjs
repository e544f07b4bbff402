// Builds everything a fresh clone needs, from npm packages alone: each step is a small function so the
// order (wasm kernels before TypeScript, which embeds them) stays visible in one place.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;

function run(cmd, args) {
  const result = spawnSync(cmd, args, { cwd: root, stdio: "inherit" });
  if (result.status !== 0) {
    console.error(`build step failed: ${cmd} ${args.join(" ")}`);
    process.exit(result.status ?? 1);
  }
}

const steps = [];
// Optional build steps register themselves as scripts/build-*.mjs (e.g. the AssemblyScript kernels).
for (const file of readdirSync(join(root, "scripts")).sort()) {
  if (/^build-.*\.mjs$/.test(file)) steps.push(["node", [join("scripts", file)]]);
}
steps.push(["npx", ["tsc", "-p", "tsconfig.json"]]);
for (const [cmd, args] of steps) run(cmd, args);
if (!existsSync(join(root, "dist/src/index.js"))) {
  console.error("build produced no dist/src/index.js");
  process.exit(1);
}
