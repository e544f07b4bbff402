// The generation worker: loads the bundled digits pipeline over HTTP, then runs one generation per message.
// It runs in a Web Worker because the engine's threads synchronise with Atomics.wait, which a page's main
// thread may not call; its pool workers are started by the engine itself (worker.web.js beside this file).
import {
  DDIMPipeline,
  Generator,
  getBackend,
  listBackends,
  ops,
  parseModelIndex,
  type SchedulerLike,
  schedulerFromConfig,
  setBackend,
  setNumThreads,
  Tensor,
  UNet2DModel,
} from "reprodiff";
import { fetchModelFolder } from "./model-folder.js";
import type { FromWorker, Settings, ToWorker } from "./protocol.js";

/** What the wasm backend tells beyond the Backend interface (it is not exported as a type). */
interface WasmDiagnostics {
  lastThreads?: number;
  singleThreadReason?: string | null;
  hostCores?: number;
}

const diagnostics = (): WasmDiagnostics => getBackend() as unknown as WasmDiagnostics;

function send(message: FromWorker, transfer: Transferable[] = []): void {
  postMessage(message, transfer);
}

async function loadPipeline(): Promise<DDIMPipeline> {
  const folder = await fetchModelFolder(new URL("./model/", self.location.href));
  const indexFile = `${folder.location}/model_index.json`;
  const modelIndex = parseModelIndex(JSON.parse(await folder.readText("model_index.json")), indexFile);
  const schedulerSpec = modelIndex.scheduler as [string, string] | undefined;
  if (schedulerSpec === undefined) throw new Error(`${indexFile}: no "scheduler" component`);
  const unet = await UNet2DModel.fromPretrained(folder, { subfolder: "unet" });
  const schedulerConfig = JSON.parse(await folder.readText("scheduler/scheduler_config.json"));
  // As DDIMPipeline.fromPretrained does in Node: the class model_index.json names, then the DDIM conversion.
  const scheduler = schedulerFromConfig({ ...schedulerConfig, _class_name: schedulerSpec[1] });
  return new DDIMPipeline({ unet, scheduler: scheduler as unknown as SchedulerLike }, modelIndex);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sets the engine's thread count and waits (bounded) until that many threads take part in a job. Browser
 * pool workers start asynchronously and the engine only uses those already running, so without this the
 * first steps of a run would use fewer threads; the result would be the same bytes either way.
 */
async function useThreads(threads: number): Promise<void> {
  setNumThreads(threads);
  const backend = diagnostics();
  if (threads === 1 || backend.singleThreadReason !== null || typeof backend.lastThreads !== "number") return;
  const probe = Tensor.zeros([64, 64]);
  const deadline = performance.now() + 10_000;
  do {
    ops.matmul(probe, probe);
    if (backend.lastThreads >= threads) return;
    await sleep(10);
  } while (performance.now() < deadline);
  console.warn(`reprodiff demo: only ${backend.lastThreads} of ${threads} threads started within 10 s`);
}

async function sha256Hex(data: Float32Array): Promise<string> {
  // slice(): digest refuses views of shared memory, and hashes exactly these bytes (little-endian float32).
  const digest = await crypto.subtle.digest("SHA-256", data.slice());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function generate(pipe: DDIMPipeline, id: number, settings: Settings): Promise<void> {
  await useThreads(settings.threads);
  const backend = diagnostics();
  let threadsUsed = backend.lastThreads ?? 1;
  const start = performance.now();
  const { images } = await pipe.generate({
    batchSize: settings.batchSize,
    numInferenceSteps: settings.steps,
    generator: new Generator().manualSeed(settings.seed),
    outputType: "np",
    progress: ({ step, totalSteps, stepsPerSecond }) => {
      threadsUsed = Math.max(threadsUsed, backend.lastThreads ?? 1);
      send({ type: "progress", id, step, totalSteps, stepsPerSecond });
    },
  });
  const ms = performance.now() - start;
  const data = images.data.slice();
  const sha256 = await sha256Hex(data);
  send(
    {
      type: "result",
      id,
      settings,
      images: data,
      shape: [...images.shape],
      sha256,
      threadsUsed,
      backend: getBackend().name,
      ms,
    },
    [data.buffer],
  );
}

async function main(): Promise<void> {
  const start = performance.now();
  // Where SharedArrayBuffer is missing the engine defaults to the reference backend; the wasm backend still
  // runs there (on one thread, saying why on the console) and gives the same bytes, only faster.
  if (listBackends().includes("wasm")) setBackend("wasm");
  const pipe = await loadPipeline();
  const backend = diagnostics();
  send({
    type: "ready",
    isolated: self.crossOriginIsolated === true,
    backend: getBackend().name,
    singleThreadReason: backend.singleThreadReason ?? null,
    cores: backend.hostCores ?? navigator.hardwareConcurrency ?? 1,
    loadMs: performance.now() - start,
  });
  // One generation at a time, in the order asked.
  let queue = Promise.resolve();
  addEventListener("message", (event) => {
    const message = (event as MessageEvent<ToWorker>).data;
    if (message.type !== "generate") return;
    queue = queue.then(() =>
      generate(pipe, message.id, message.settings).catch((error: unknown) => {
        send({ type: "error", id: message.id, message: String((error as Error)?.stack ?? error) });
      }),
    );
  });
}

main().catch((error: unknown) => {
  send({ type: "error", id: null, message: String((error as Error)?.stack ?? error) });
});
