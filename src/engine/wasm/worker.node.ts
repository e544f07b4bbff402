// Entry point of a Node pool worker (spawned by spawn.node.ts).
import { workerData } from "node:worker_threads";
import { type WorkerInit, workerLoop } from "./worker-loop.js";

workerLoop(workerData as WorkerInit);
