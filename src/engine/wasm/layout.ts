// Shared-memory layout between the JS side and assembly/index.ts. The first wasm page is reserved for
// thread control words and job descriptors; the heap starts after it.

/** Bytes reserved at address 0 for control words and the job descriptor. */
export const RESERVED_BYTES = 65536;

// Control words (Int32 indexes from address 0).
/** (generation << 8) | workers invited: bumped to publish a job. */
export const CTRL_GEN = 0;
/** Workers that finished running a job (monotonic; with CTRL_ENTERED it tells who is still inside). */
export const CTRL_LEFT = 1;
/** Set by a worker whose job threw (the op then throws). */
export const CTRL_ERROR = 2;
/** Chunk claim counter of the current job (wasm `atomic.add`). */
export const CTRL_COUNTER = 3;
/** 1 while the current job accepts helpers; the caller closes it once every chunk is claimed. */
export const CTRL_OPEN = 4;
/** Workers that tried to join a job (monotonic). */
export const CTRL_ENTERED = 5;
/** Workers that ran the current job (reset per job; diagnostics). */
export const CTRL_RAN = 6;
/** Milliseconds pool threads poll before sleeping after the current job (see spin-wait.ts); set per job. */
export const CTRL_SPIN_MS = 7;
/** Worker i sets word CTRL_READY + i once instantiated. */
export const CTRL_READY = 16;
/** Most workers a pool may hold (the invited count lives in 8 bits of CTRL_GEN). */
export const MAX_WORKERS = 255;
/** Int32 words of the control block. */
export const CTRL_WORDS = CTRL_READY + MAX_WORKERS + 1;

/** Byte address of the job descriptor. */
export const DESC_ADDR = 2048;
/** Int32 words of a job descriptor. */
export const DESC_WORDS = 32;
/** Byte address of the kernels' constant tables (assembly/exp.ts), written once by initKernelConstants. */
export const KERNEL_CONSTANTS = 4096;

export const JOB_GEMM = 1;
export const JOB_SOFTMAX = 2;
export const JOB_NORM = 3;
export const JOB_ATTENTION = 4;
export const JOB_ATTENTION_PACK = 5;
export const JOB_ACTIVATION = 6;
/** Activation codes of JOB_ACTIVATION (assembly/activation.ts). */
export const ACT_SILU = 1;
export const ACT_QUICK_GELU = 2;
export const JOB_GELU = 7;
export const JOB_BINARY = 8;

// GEMM descriptor fields (Int32 indexes from DESC_ADDR).
export const D = {
  kind: 0,
  counter: 1,
  M: 2,
  N: 3,
  K: 4,
  batch: 5,
  aMode: 6,
  a: 7,
  lda: 8,
  aBatch: 9,
  bMode: 10,
  b: 11,
  ldb: 12,
  bBatch: 13,
  c: 14,
  ldc: 15,
  cBatch: 16,
  biasRow: 17,
  biasCol: 18,
  mChunkPanels: 19,
  nChunkPanels: 20,
  mChunks: 21,
  nChunks: 22,
  ws: 23,
  wsStride: 24,
  kc: 25,
  wp: 26,
  plane: 27,
  kh: 28,
  kw: 29,
  stride: 30,
  wo: 31,
} as const;

export const A_PACKED = 0;
export const A_ROWS = 1;
export const B_PACKED = 0;
export const B_ROWS = 1;
export const B_COLS = 2;
export const B_IM2COL = 3;

/** Micro-tile rows (A panel height) and columns (B panel width). */
export const MR = 4;
export const NR = 8;
/** Workspace bytes before the packed panels (edge tile, im2col offsets). */
export const WS_PACK = 256;
