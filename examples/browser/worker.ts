// The generation worker: loads the bundled digits pipeline over HTTP, then runs one generation per message.
// It runs in a Web Worker because the engine's threads synchronise with Atomics.wait, which a page's main
// thread may not call; its pool workers are started by the engine itself (worker.web.js beside this file).
import {
  DDIMPipeline,
  Generator,
  getBackend,
  getThreadStatus,
  listBackends,
  ops,
  setBackend,
  setNumThreads,
  Tensor,
} from "reprodiff";
import type { FromWorker, Settings, ToWorker } from "./protocol.js";

function send(message: FromWorker, transfer: Transferable[] = []): void {
  postMessage(message, transfer);
}

/**
 * The bundled digits model, which the demo's server serves under model/ beside this script; or, with
 * `?model=org/name` (and optionally `revision`, `endpoint`) in the page's address, a Hub repository,
 * fetched through the Hub's resolve URLs and kept in the browser's Cache API.
 */
async function loadPipeline(): Promise<{ pipe: DDIMPipeline; model: string }> {
  const query = new URLSearchParams(self.location.search);
  const repo = query.get("model");
  if (repo === null) {
    // In a browser a string starting with "./", "../" or "/" is a URL relative to this script.
    return { pipe: await DDIMPipeline.fromPretrained("./model/"), model: new URL("./model/", self.location.href).href };
  }
  const revision = query.get("revision");
  const endpoint = query.get("endpoint");
  const pipe = await DDIMPipeline.fromPretrained(repo, {
    ...(revision !== null ? { revision } : {}),
    ...(endpoint !== null ? { endpoint } : {}),
  });
  return { pipe, model: repo };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sets the engine's thread count and waits (bounded) until that many threads take part in a job. Browser
 * pool workers start asynchronously and the engine only uses those already running, so without this the
 * first steps of a run would use fewer threads; the result would be the same bytes either way.
 */
async function useThreads(threads: number): Promise<void> {
  setNumThreads(threads);
  if (threads === 1 || getThreadStatus().singleThreadReason !== null) return;
  const probe = Tensor.zeros([64, 64]);
  const deadline = performance.now() + 10_000;
  do {
    ops.matmul(probe, probe);
    if (getThreadStatus().lastThreads >= threads) return;
    await sleep(10);
  } while (performance.now() < deadline);
  console.warn(`reprodiff demo: only ${getThreadStatus().lastThreads} of ${threads} threads started within 10 s`);
}

async function sha256Hex(data: Float32Array): Promise<string> {
  // slice(): digest refuses views of shared memory, and hashes exactly these bytes (little-endian float32).
  const digest = await crypto.subtle.digest("SHA-256", data.slice());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function generate(pipe: DDIMPipeline, id: number, settings: Settings): Promise<void> {
  await useThreads(settings.threads);
  let threadsUsed = getThreadStatus().lastThreads;
  const start = performance.now();
  const { images } = await pipe.generate({
    batchSize: settings.batchSize,
    numInferenceSteps: settings.steps,
    generator: new Generator().manualSeed(settings.seed),
    outputType: "np",
    progress: ({ step, totalSteps, stepsPerSecond }) => {
      threadsUsed = Math.max(threadsUsed, getThreadStatus().lastThreads);
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
  const { pipe, model } = await loadPipeline();
  const threads = getThreadStatus();
  send({
    type: "ready",
    model,
    isolated: self.crossOriginIsolated === true,
    backend: threads.backend,
    singleThreadReason: threads.singleThreadReason,
    cores: threads.cores,
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
