// The messages between the page (main.ts) and the generation worker (worker.ts).

/** What one generation runs: the bundled digits model with DDIM, one generator seeded `seed` for the batch. */
export interface Settings {
  seed: number;
  steps: number;
  batchSize: number;
  /** Engine threads (the worker itself plus pool workers); 1 where the page is not cross-origin isolated. */
  threads: number;
}

export function describeSettings({ seed, steps, batchSize }: Settings): string {
  return `seed ${seed}, ${steps} steps, ${batchSize} image${batchSize === 1 ? "" : "s"}`;
}

/** One output Node computed (threads never change the bytes, so they are not part of the key). */
export interface ExpectedHash {
  seed: number;
  steps: number;
  batchSize: number;
  /** sha256 of the float32 "np" output bytes, [batch, height, width, channels] little-endian. */
  sha256: string;
}

/** expected.json, written next to the page by build.mjs (or by the e2e test). */
export interface ExpectedHashes {
  /** How Node computed them, shown on the page. */
  node: { version: string; backend: string; threads: number };
  hashes: ExpectedHash[];
}

export function findExpected(table: ExpectedHashes | null, settings: Settings): ExpectedHash | undefined {
  return table?.hashes.find(
    (h) => h.seed === settings.seed && h.steps === settings.steps && h.batchSize === settings.batchSize,
  );
}

export type ToWorker = { type: "generate"; id: number; settings: Settings };

export type FromWorker =
  | {
      type: "ready";
      /** Where the model came from: the demo's own folder URL, or the Hub repository the page named. */
      model: string;
      /** crossOriginIsolated in the worker: shared memory and threads are available. */
      isolated: boolean;
      backend: string;
      /** Why the engine runs on one thread, or null. */
      singleThreadReason: string | null;
      cores: number;
      loadMs: number;
    }
  | { type: "progress"; id: number; step: number; totalSteps: number; stepsPerSecond: number }
  | {
      type: "result";
      id: number;
      settings: Settings;
      /** float32 [batch, height, width, channels] in [0, 1] (Diffusers' output_type="np"). */
      images: Float32Array;
      shape: number[];
      sha256: string;
      /** The most threads any engine job of this run used (the worker included). */
      threadsUsed: number;
      backend: string;
      ms: number;
    }
  | { type: "error"; id: number | null; message: string };
