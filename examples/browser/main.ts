// The demo page: settings in, images and hashes out. All computation happens in worker.ts; this file only
// draws. The test in test/browser drives these same controls and reads the same elements.
import { describeSettings, type ExpectedHashes, type FromWorker, findExpected, type Settings } from "./protocol.js";

const $ = <T extends HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`index.html has no #${id}`);
  return element as T;
};

const form = $<HTMLFormElement>("controls");
const seedInput = $<HTMLInputElement>("seed");
const stepsInput = $<HTMLInputElement>("steps");
const batchInput = $<HTMLInputElement>("batch");
const threadsInput = $<HTMLInputElement>("threads");
const button = $<HTMLButtonElement>("generate");
const progress = $<HTMLProgressElement>("progress");
const progressText = $("progress-text");
const status = $("status");
const canvas = $<HTMLCanvasElement>("canvas");
const errorBox = $("error");

/**
 * `data-state` on #status: loading → ready → running → done (or error), and `data-run` counts the runs
 * started; the e2e test waits on them.
 */
function setState(state: "loading" | "ready" | "running" | "done" | "error", text: string): void {
  status.dataset.state = state;
  status.textContent = text;
}

function showError(message: string): void {
  errorBox.textContent = message;
  setState("error", "Failed (see below).");
  button.disabled = false;
}

async function loadExpected(): Promise<ExpectedHashes | null> {
  try {
    const response = await fetch(new URL("./expected.json", import.meta.url));
    return response.ok ? ((await response.json()) as ExpectedHashes) : null;
  } catch {
    return null;
  }
}

const expected = loadExpected();

/** Draws a [B, H, W, C] batch in [0, 1] as a grid (⌈√B⌉ per row), 8 screen pixels per image pixel. */
function draw(images: Float32Array, [batch, height, width, channels]: number[]): void {
  const columns = Math.ceil(Math.sqrt(batch));
  const rows = Math.ceil(batch / columns);
  const gap = 1;
  const gridWidth = columns * (width + gap) + gap;
  const gridHeight = rows * (height + gap) + gap;
  const pixels = new ImageData(gridWidth, gridHeight);
  pixels.data.fill(128);
  for (let b = 0; b < batch; b++) {
    const x0 = gap + (b % columns) * (width + gap);
    const y0 = gap + Math.floor(b / columns) * (height + gap);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const at = ((b * height + y) * width + x) * channels;
        const out = ((y0 + y) * gridWidth + x0 + x) * 4;
        for (let c = 0; c < 3; c++) {
          // Diffusers' numpy_to_pil: (image * 255).round() to 8 bits; grayscale fills all three channels.
          pixels.data[out + c] = Math.round(images[at + (channels === 1 ? 0 : c)] * 255);
        }
        pixels.data[out + 3] = 255;
      }
    }
  }
  const scale = 8;
  const source = new OffscreenCanvas(gridWidth, gridHeight);
  source.getContext("2d")?.putImageData(pixels, 0, 0);
  canvas.width = gridWidth * scale;
  canvas.height = gridHeight * scale;
  const context = canvas.getContext("2d");
  if (context === null) return;
  context.imageSmoothingEnabled = false;
  context.drawImage(source, 0, 0, canvas.width, canvas.height);
}

function readInt(input: HTMLInputElement, name: string, min: number, max: number): number {
  const value = Number(input.value);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(input.value)}`);
  }
  return value;
}

// The page's query (?model=org/name&revision=…&endpoint=…) tells the worker which model to load.
const worker = new Worker(new URL(`./worker.js${location.search}`, import.meta.url), { type: "module" });
let nextId = 1;
let running: number | null = null;

form.addEventListener("submit", (event) => {
  event.preventDefault();
  if (running !== null) return;
  let settings: Settings;
  try {
    settings = {
      seed: readInt(seedInput, "seed", 0, Number.MAX_SAFE_INTEGER),
      steps: readInt(stepsInput, "steps", 1, 1000),
      batchSize: readInt(batchInput, "images", 1, 64),
      threads: readInt(threadsInput, "threads", 1, Number(threadsInput.max)),
    };
  } catch (error) {
    showError((error as Error).message);
    return;
  }
  errorBox.textContent = "";
  running = nextId++;
  status.dataset.run = String(running);
  button.disabled = true;
  progress.value = 0;
  progressText.textContent = "";
  setState("running", `Generating ${describeSettings(settings)} on ${settings.threads} thread(s)…`);
  worker.postMessage({ type: "generate", id: running, settings });
});

const stepSeed = (delta: number) => {
  seedInput.value = String(Math.max(0, (Number(seedInput.value) || 0) + delta));
};
$("seed-down").addEventListener("click", () => stepSeed(-1));
$("seed-up").addEventListener("click", () => stepSeed(1));
$("seed-random").addEventListener("click", () => {
  seedInput.value = String(crypto.getRandomValues(new Uint32Array(1))[0]);
});

async function showResult(message: Extract<FromWorker, { type: "result" }>): Promise<void> {
  const { settings, sha256 } = message;
  draw(message.images, message.shape);
  $("hash-browser").textContent = sha256;
  const table = await expected;
  const nodeHash = findExpected(table, settings)?.sha256;
  const verdict = $("verdict");
  if (nodeHash === undefined) {
    $("hash-node").textContent =
      table === null
        ? "no expected.json (build with examples/browser/build.mjs)"
        : `not precomputed for ${describeSettings(settings)}`;
    verdict.className = "unknown";
    verdict.textContent = "";
  } else {
    $("hash-node").textContent = nodeHash;
    const same = nodeHash === sha256;
    verdict.className = same ? "match" : "mismatch";
    verdict.textContent = same ? "✓ identical to Node" : "✗ differs from Node";
  }
  $("engine").textContent =
    `${message.backend}${table ? ` (Node: reprodiff ${table.node.version}, ${table.node.backend})` : ""}`;
  $("threads-used").textContent = String(message.threadsUsed);
  $("time").textContent =
    `${(message.ms / 1000).toFixed(2)} s (${((settings.steps * 1000) / message.ms).toFixed(1)} it/s)`;
  setState("done", `Done: ${describeSettings(settings)}, ${message.threadsUsed} thread(s).`);
  running = null;
  button.disabled = false;
}

worker.addEventListener("message", (event: MessageEvent<FromWorker>) => {
  const message = event.data;
  switch (message.type) {
    case "ready": {
      // More threads than cores are allowed (they only run slower), so any machine can show that the
      // thread count never changes the bytes.
      const threads = message.singleThreadReason === null ? Math.min(Math.max(message.cores, 8), 64) : 1;
      threadsInput.max = String(threads);
      threadsInput.value = String(Math.min(message.cores, threads, 4));
      threadsInput.disabled = threads === 1;
      const where = message.isolated
        ? `cross-origin isolated, ${message.cores} cores`
        : `one thread: ${message.singleThreadReason ?? "no shared memory"}`;
      setState(
        "ready",
        `Model ${message.model} loaded in ${message.loadMs.toFixed(0)} ms; ${message.backend} engine, ${where}.`,
      );
      status.dataset.isolated = String(message.isolated);
      status.dataset.maxThreads = String(threads);
      button.disabled = false;
      break;
    }
    case "progress":
      if (message.id !== running) break;
      progress.max = message.totalSteps;
      progress.value = message.step;
      progressText.textContent = `step ${message.step}/${message.totalSteps}, ${message.stepsPerSecond.toFixed(1)} it/s`;
      break;
    case "result":
      if (message.id === running) void showResult(message).catch((error) => showError(String(error)));
      break;
    case "error":
      running = null;
      showError(message.message);
      break;
  }
});
worker.addEventListener("error", (event) => showError(`worker failed: ${event.message}`));
