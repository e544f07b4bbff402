// Entry point of a browser pool worker: the first message carries the module, shared memory and index.
import { type WorkerInit, workerLoop } from "./worker-loop.js";

addEventListener(
  "message",
  (event) => {
    workerLoop((event as MessageEvent<WorkerInit>).data);
  },
  { once: true },
);
