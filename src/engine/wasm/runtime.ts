import { WasmHeap } from "./heap.js";
import { kernelsShared, kernelsUnshared, MAX_PAGES } from "./kernels.generated.js";
import {
  CTRL_COUNTER,
  CTRL_WORDS,
  D,
  DESC_ADDR,
  DESC_WORDS,
  JOB_GEMM,
  KERNEL_CONSTANTS,
  RESERVED_BYTES,
} from "./layout.js";
import { type PoolHost, ThreadPool } from "./pool.js";
import { webPoolHost } from "./pool-web.js";

export interface KernelExports {
  runJob(desc: number, tid: number): void;
  packAPanels(src: number, m: number, k: number, dst: number): void;
  packBPanelsFromCols(src: number, n: number, k: number, dst: number): void;
  expArray(src: number, dst: number, n: number): void;
  /** float32 values from binary16 bits; `src` may be the upper half of `dst` (widening runs forward). */
  widenF16(src: number, dst: number, n: number): void;
  expSoftmaxArray(src: number, dst: number, n: number): void;
  initKernelConstants(): number;
  padPlanes(
    src: number,
    dst: number,
    planes: number,
    h: number,
    w: number,
    hp: number,
    wp: number,
    pt: number,
    pl: number,
  ): void;
}

export type GemmFields = { [K in keyof typeof D]: number };

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function isNode(): boolean {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof proc?.versions?.node === "string";
}

/** The pool host of this platform: Node's is loaded lazily so browser bundles never see worker_threads. */
async function detectHost(): Promise<PoolHost> {
  if (!isNode()) return webPoolHost();
  // A computed specifier keeps browser bundlers from following the import into worker_threads.
  const nodeHost = "./spawn.node.js";
  return ((await import(nodeHost)) as typeof import("./spawn.node.js")).nodePoolHost;
}

const host = await detectHost();

/**
 * The kernels instantiated over one memory (shared when the platform allows, so pool workers see the
 * same bytes), the heap on it, and the thread pool. One per process/worker: see `wasmRuntime()`.
 */
export class WasmRuntime {
  readonly heap: WasmHeap;
  readonly kernels: KernelExports;
  /** Why this runtime is single-threaded, or null when it may use threads. */
  readonly singleThreadReason: string | null;
  private readonly pool: ThreadPool | null;
  private threadCount: number;
  private workspace = 0;
  /** Threads that took part in the most recent job (diagnostics and tests). */
  lastThreads = 0;
  private workspaceBytes = 0;

  private constructor() {
    let memory: WebAssembly.Memory | null = null;
    let reason: string | null = null;
    if (!host.canBlock) reason = "this thread may not block in Atomics.wait (run reprodiff in a Web Worker)";
    else if (typeof SharedArrayBuffer === "undefined") {
      reason = "SharedArrayBuffer is unavailable (the page is not cross-origin isolated)";
    } else {
      try {
        memory = new WebAssembly.Memory({ initial: 2, maximum: MAX_PAGES, shared: true });
      } catch (error) {
        reason = `shared WebAssembly memory unavailable (${(error as Error).message})`;
      }
    }
    const shared = memory !== null;
    memory ??= new WebAssembly.Memory({ initial: 2, maximum: MAX_PAGES });
    const module = new WebAssembly.Module(decodeBase64(shared ? kernelsShared : kernelsUnshared) as BufferSource);
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    this.kernels = instance.exports as unknown as KernelExports;
    // Once, before any worker exists: the workers share (or, unshared, never use) this memory.
    const constantBytes = this.kernels.initKernelConstants();
    if (
      constantBytes === 0 ||
      KERNEL_CONSTANTS < DESC_ADDR + DESC_WORDS * 4 ||
      KERNEL_CONSTANTS + constantBytes > RESERVED_BYTES
    ) {
      throw new Error("wasm kernels: the constant tables do not fit the reserved page");
    }
    this.heap = new WasmHeap(memory, MAX_PAGES);
    this.pool = shared ? new ThreadPool(host, module, memory) : null;
    this.singleThreadReason = reason;
    if (reason !== null) console.info(`reprodiff: wasm backend runs on one thread: ${reason}`);
    this.threadCount = shared ? Math.max(1, host.cores()) : 1;
  }

  private static instance: WasmRuntime | null = null;

  static get(): WasmRuntime {
    WasmRuntime.instance ??= new WasmRuntime();
    return WasmRuntime.instance;
  }

  /** Logical cores of this process or page (the default thread count). */
  static cores(): number {
    return Math.max(1, host.cores());
  }

  /** Threads used by the next op (the caller included). */
  get threads(): number {
    return this.threadCount;
  }

  /** Sets the thread count for the next op; 1 where threads are unavailable. */
  setThreads(n: number): void {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`thread count must be a positive integer, got ${n}`);
    this.threadCount = this.pool === null ? 1 : Math.min(n, 256);
  }

  /** Says that an op is about to run jobs: wakes the workers it will invite (see ThreadPool.wake). */
  prepare(): void {
    if (this.pool !== null && this.threadCount > 1) this.pool.wake(this.threadCount - 1);
  }

  /** A per-thread scratch area of `bytesPerThread` for each of `threads` threads (reused across ops). */
  private ensureWorkspace(bytes: number): number {
    if (bytes > this.workspaceBytes) {
      if (this.workspace !== 0) this.heap.free(this.workspace);
      this.workspace = this.heap.alloc(bytes);
      this.workspaceBytes = bytes;
    }
    return this.workspace;
  }

  /**
   * Runs one GEMM job on up to `threads` threads; `wsStride` is the workspace bytes each thread needs and
   * `first` (see `job`) runs on the calling thread before it claims chunks.
   */
  gemm(fields: Omit<GemmFields, "kind" | "counter" | "ws" | "wsStride">, wsStride: number, first?: () => void): void {
    this.job(
      (desc, ws, stride) => {
        for (const [name, index] of Object.entries(D)) {
          const value = (fields as Record<string, number>)[name];
          if (value !== undefined) desc[index] = value;
        }
        desc[D.kind] = JOB_GEMM;
        desc[D.counter] = CTRL_COUNTER * 4;
        desc[D.ws] = ws;
        desc[D.wsStride] = stride;
      },
      wsStride,
      first,
    );
  }

  /**
   * Runs one job: `write` fills the zeroed descriptor (given the workspace address and per-thread stride),
   * then every participating thread runs the kernel's `runJob`, claiming chunks from the shared counter.
   * `first` runs on the calling thread after the job is published and before it claims chunks: serial
   * work placed there overlaps the workers' first chunks.
   */
  job(write: (desc: Int32Array, ws: number, wsStride: number) => void, wsStride: number, first?: () => void): void {
    const threads = this.threadCount;
    const stride = Math.ceil(wsStride / 64) * 64;
    const ws = stride === 0 ? 0 : this.ensureWorkspace(stride * threads);
    const desc = this.heap.i32(DESC_ADDR, DESC_WORDS);
    desc.fill(0);
    write(desc, ws, stride);
    const ctrl = this.heap.i32(0, CTRL_WORDS);
    Atomics.store(ctrl, CTRL_COUNTER, 0);
    if (this.pool !== null && threads > 1) {
      this.pool.ensure(threads - 1);
      this.lastThreads =
        1 +
        this.pool.run(threads - 1, () => {
          first?.();
          this.kernels.runJob(DESC_ADDR, 0);
        });
    } else {
      first?.();
      this.kernels.runJob(DESC_ADDR, 0);
      this.lastThreads = 1;
    }
  }
}
