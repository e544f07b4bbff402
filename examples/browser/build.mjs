// Builds the browser demo into one static folder: the page, its worker and the engine's pool worker
// (bundled by esbuild from the library's TypeScript sources), the bundled digits model, and expected.json
// with the hashes Node computes for a few settings, which the page shows next to its own.
//
//   npm run build && node examples/browser/build.mjs [--out DIR] [--seeds 0-9] [--steps 10] [--batch 4]
//   node examples/browser/serve.mjs            # then open http://127.0.0.1:8080/
import { createHash } from "node:crypto";
import { copyFile, mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const root = resolve(here, "../..");
const MODEL = join(root, "models/ddpm-digits-16");
const MODEL_FILES = [
  "model_index.json",
  "scheduler/scheduler_config.json",
  "unet/config.json",
  "unet/diffusion_pytorch_model.safetensors",
];

/**
 * Bundles the demo into `outDir` (emptied first) and writes `expected` (an ExpectedHashes object, see
 * protocol.ts) as expected.json when given. Returns the output folder.
 */
export async function buildDemo({ outDir = join(here, "dist"), expected = null, minify = true } = {}) {
  const esbuild = await import("esbuild");
  await rm(outDir, { recursive: true, force: true });
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: {
      main: join(here, "main.ts"),
      worker: join(here, "worker.ts"),
      // The engine starts its pool workers from new URL("./worker.web.js", import.meta.url), i.e. next to
      // the bundle that holds the engine, so that entry must land in the same folder under that name.
      "worker.web": join(root, "src/engine/wasm/worker.web.ts"),
    },
    // The package's browser entry, from source: `import … from "reprodiff"` in the demo.
    alias: { reprodiff: join(root, "src/index.ts") },
    bundle: true,
    format: "esm",
    // Each entry is self-contained (no shared chunks): the page, the worker, the engine's pool worker. The
    // library's Node-only modules sit behind dynamic imports with computed specifiers, which esbuild leaves
    // alone, so no Node built-in is ever resolved; a build error here means one leaked into the browser entry.
    platform: "browser",
    target: "es2022",
    outdir: outDir,
    sourcemap: true,
    minify,
    legalComments: "none",
    logLevel: "warning",
  });
  await copyFile(join(here, "index.html"), join(outDir, "index.html"));
  for (const file of MODEL_FILES) {
    const target = join(outDir, "model", file);
    await mkdir(dirname(target), { recursive: true });
    await copyFile(join(MODEL, file), target);
  }
  if (expected !== null) await writeFile(join(outDir, "expected.json"), `${JSON.stringify(expected, null, 2)}\n`);
  return outDir;
}

/** sha256 (hex) of a float32 array's bytes. */
export function sha256Float32(data) {
  return createHash("sha256")
    .update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
    .digest("hex");
}

/** The hashes Node computes for every combination of seeds × steps × batch sizes (needs `npm run build`). */
export async function nodeHashes({ seeds, steps, batchSizes }) {
  const lib = await import(pathToFileURL(join(root, "dist/src/node.js")).href);
  const { readFile } = await import("node:fs/promises");
  const { version } = JSON.parse(await readFile(join(root, "package.json"), "utf8"));
  const pipe = await lib.DDIMPipeline.fromPretrained();
  const hashes = [];
  for (const stepCount of steps) {
    for (const batchSize of batchSizes) {
      for (const seed of seeds) {
        const { images } = await pipe.generate({
          batchSize,
          numInferenceSteps: stepCount,
          generator: new lib.Generator().manualSeed(seed),
          outputType: "np",
        });
        hashes.push({ seed, steps: stepCount, batchSize, sha256: sha256Float32(images.data) });
      }
    }
  }
  return { node: { version, backend: lib.getBackend().name, threads: lib.getNumThreads() }, hashes };
}

function parseList(text, name) {
  const values = [];
  for (const part of text.split(",")) {
    const range = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (range === null) throw new Error(`${name}: expected numbers or ranges like 0-9, got ${JSON.stringify(text)}`);
    const [from, to] = [Number(range[1]), Number(range[2] ?? range[1])];
    for (let v = from; v <= to; v++) values.push(v);
  }
  return values;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const { parseArgs } = await import("node:util");
  const { values } = parseArgs({
    options: {
      out: { type: "string", default: join(here, "dist") },
      seeds: { type: "string", default: "0-9" },
      steps: { type: "string", default: "10" },
      batch: { type: "string", default: "4" },
    },
  });
  const settings = {
    seeds: parseList(values.seeds, "--seeds"),
    steps: parseList(values.steps, "--steps"),
    batchSizes: parseList(values.batch, "--batch"),
  };
  const count = settings.seeds.length * settings.steps.length * settings.batchSizes.length;
  console.log(`computing ${count} Node hash(es)…`);
  const expected = await nodeHashes(settings);
  const outDir = await buildDemo({ outDir: resolve(values.out), expected });
  console.log(`built ${outDir}; serve it with: node examples/browser/serve.mjs ${outDir}`);
}
