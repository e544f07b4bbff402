import type { F32 } from "../backend.js";
import { MR, NR, WS_PACK } from "./layout.js";
import type { GemmFields, WasmRuntime } from "./runtime.js";

/**
 * Longest K block. K is cut into equal blocks of at most this length: a block's B panel (KC x 8 floats,
 * 16 KiB) and A panel (8 KiB) stay in the 48 KiB L1 while the chunk's A panels stream from L2. Each block
 * costs a reload and store of C and a call per tile, which made 256-long blocks ~8% slower on a 3x3 conv.
 */
const KC = 512;
/** Widest N chunk (in 8-column panels) when every chunk packs its own A: bounds its packed B to 128 columns. */
const MAX_N_CHUNK_PANELS = 16;
/** Largest packed B of one chunk (per K block) when A is pre-packed, so that it and the A block share L2. */
const MAX_B_CHUNK_BYTES = 512 * 1024;
/** Narrowest M and N chunks (in panels) the planner splits to before splitting the other dimension. */
const MIN_M_CHUNK_PANELS = 8;
const MIN_N_CHUNK_PANELS = 4;
/**
 * Narrowest N chunk of a pre-packed A: 64 columns make 32 flops per byte of A streamed, little even when A
 * comes from L3 (a 256x4608 conv weight is 4.7 MB); 16-column chunks made the 8x8 conv up to 14% slower.
 */
const MIN_N_CHUNK_PANELS_PACKED_A = 8;
/** Largest packed A of one chunk, so it stays in L2 across the N panels. */
const MAX_A_CHUNK_BYTES = 1 << 20;
/** Chunks per thread when threaded, so the atomic claiming evens out a thread that starts late or is slowed. */
const CHUNKS_PER_THREAD = 3;
/**
 * The same for a pre-packed A (convolutions). Measured on 2 idle Zen 4 cores, fewer and larger chunks were
 * faster for every conv of a 32x32 UNet (4 per thread vs 2: 2–10% slower; 1 per thread about as fast as
 * 2), and 2 per thread still evens out a thread that starts a chunk late.
 */
const CHUNKS_PER_THREAD_PACKED_A = 2;

export interface GemmPlan {
  kc: number;
  mChunkPanels: number;
  nChunkPanels: number;
  mChunks: number;
  nChunks: number;
  wsStride: number;
}

/**
 * Splits C into chunks that threads claim. The chunking depends on the thread count, but never the
 * bits: each output keeps its one accumulator and ascending k whichever chunk it lands in.
 */
export function planGemm(
  M: number,
  N: number,
  K: number,
  batch: number,
  threads: number,
  aPacked: boolean,
  bPacked: boolean,
): GemmPlan {
  const mPanels = Math.ceil(M / MR);
  const nPanels = Math.ceil(N / NR);
  const kc = Math.max(1, Math.ceil(K / Math.ceil(K / KC)));
  let [mChunks, nChunks] = aPacked
    ? splitPackedA(mPanels, nPanels, kc, batch, threads)
    : splitRepacking(mPanels, nPanels, kc, batch, threads);
  const nChunkPanels = Math.ceil(nPanels / nChunks);
  nChunks = Math.ceil(nPanels / nChunkPanels);
  mChunks = Math.max(1, Math.min(mPanels, mChunks));
  const mChunkPanels = Math.ceil(mPanels / mChunks);
  mChunks = Math.ceil(mPanels / mChunkPanels);
  const wsStride = WS_PACK + (aPacked ? 0 : mChunkPanels * MR * kc * 4) + (bPacked ? 0 : nChunkPanels * NR * kc * 4);
  return { kc, mChunkPanels, nChunkPanels, mChunks, nChunks, wsStride };
}

/**
 * [mChunks, nChunks] with A packed once for all chunks (conv weights) and B packed per chunk (im2col).
 * Every M chunk packs the same B panels again (measured 8–12% slower on 2 threads for the 8x8 and 4x4
 * convs of a 32x32 UNet), so N is split, and M only when there are fewer N panels than threads. But every
 * N chunk streams all of A once per K block, so N chunks stay MIN_N_CHUNK_PANELS_PACKED_A wide unless that
 * would leave a thread idle.
 */
function splitPackedA(mPanels: number, nPanels: number, kc: number, batch: number, threads: number): [number, number] {
  const widest = Math.max(1, Math.floor(MAX_B_CHUNK_BYTES / (NR * kc * 4)));
  let nChunks = Math.ceil(nPanels / widest);
  if (threads === 1) return [1, nChunks];
  const want = CHUNKS_PER_THREAD_PACKED_A * threads;
  const finest = Math.max(Math.ceil(nPanels / MIN_N_CHUNK_PANELS_PACKED_A), Math.ceil(threads / batch));
  nChunks = Math.max(nChunks, Math.min(nPanels, Math.ceil(want / batch), finest));
  if (batch * nChunks >= threads) return [1, nChunks];
  return [Math.min(Math.ceil(mPanels / MIN_M_CHUNK_PANELS), Math.ceil(want / (batch * nChunks))), nChunks];
}

/**
 * [mChunks, nChunks] when each chunk packs its own A rows (and, unless B is pre-packed, its B panels).
 * M is split first (down to 8-panel chunks) so N chunks stay wide and each K block of A (read from L2)
 * serves many B panels; then N is narrowed.
 */
function splitRepacking(
  mPanels: number,
  nPanels: number,
  kc: number,
  batch: number,
  threads: number,
): [number, number] {
  const want = threads > 1 ? CHUNKS_PER_THREAD * threads : 1;
  let nChunks = Math.ceil(nPanels / MAX_N_CHUNK_PANELS);
  let mChunks = Math.ceil((mPanels * MR * kc * 4) / MAX_A_CHUNK_BYTES);
  if (batch * nChunks * mChunks < want) {
    mChunks = Math.max(mChunks, Math.min(Math.ceil(mPanels / MIN_M_CHUNK_PANELS), Math.ceil(want / (batch * nChunks))));
  }
  if (batch * nChunks * mChunks < want) {
    nChunks = Math.max(nChunks, Math.min(Math.ceil(nPanels / MIN_N_CHUNK_PANELS), Math.ceil(want / (batch * mChunks))));
  }
  // Equal-width N chunks may be fewer than asked for; M makes up the difference.
  const nEqual = Math.ceil(nPanels / Math.ceil(nPanels / nChunks));
  if (batch * nEqual * mChunks < want) mChunks = Math.ceil(want / (batch * nEqual));
  return [mChunks, nChunks];
}

type Operands = Omit<
  GemmFields,
  "kind" | "counter" | "ws" | "wsStride" | "kc" | "mChunkPanels" | "nChunkPanels" | "mChunks" | "nChunks"
>;

/** The operand fields a plain GEMM leaves at zero: no bias, and none of the im2col geometry of a convolution. */
export const PLAIN_GEMM = { biasRow: 0, biasCol: 0, wp: 0, plane: 0, kh: 0, kw: 0, stride: 0, wo: 0 } as const;

/** Plans and runs one GEMM job over the runtime's threads (`first`: see WasmRuntime.job). */
export function runGemm(rt: WasmRuntime, op: Operands, aPacked: boolean, bPacked: boolean, first?: () => void): void {
  const plan = planGemm(op.M, op.N, op.K, op.batch, rt.threads, aPacked, bPacked);
  rt.gemm({ ...op, ...plan }, plan.wsStride, first);
}

/**
 * Weights packed once into wasm memory, keyed by the weight tensor object (tensors are values, so a
 * tensor's data never changes). Packed buffers are freed when their tensor is garbage-collected.
 */
export class PackedWeights {
  private readonly convA = new WeakMap<F32, number>();
  private readonly linearB = new WeakMap<F32, number>();
  private readonly biases = new WeakMap<F32, number>();
  private readonly registry: FinalizationRegistry<number>;

  constructor(private readonly rt: WasmRuntime) {
    this.registry = new FinalizationRegistry((ptr) => rt.heap.free(ptr));
  }

  private keep(map: WeakMap<F32, number>, tensor: F32, ptr: number): number {
    map.set(tensor, ptr);
    this.registry.register(tensor, ptr);
    return ptr;
  }

  /** Conv weight [Cout, Cin, kh, kw] as A panels [ceil(Cout/4)][K][4], K = Cin*kh*kw. */
  conv(weight: F32): number {
    const hit = this.convA.get(weight);
    if (hit !== undefined) return hit;
    const [cout] = weight.shape;
    const k = weight.size / cout;
    return this.keep(
      this.convA,
      weight,
      this.pack(weight, (src, dst) => this.rt.kernels.packAPanels(src, cout, k, dst), Math.ceil(cout / MR) * MR * k),
    );
  }

  /** Linear weight [out, in] as B panels [ceil(out/8)][in][8] (B = weightᵀ). */
  linear(weight: F32): number {
    const hit = this.linearB.get(weight);
    if (hit !== undefined) return hit;
    const [out, k] = weight.shape;
    return this.keep(
      this.linearB,
      weight,
      this.pack(
        weight,
        (src, dst) => this.rt.kernels.packBPanelsFromCols(src, out, k, dst),
        Math.ceil(out / NR) * NR * k,
      ),
    );
  }

  /** Bias copied into a buffer padded to a multiple of 8 (kernels read whole 4- or 8-wide groups). */
  bias(bias: F32): number {
    const hit = this.biases.get(bias);
    if (hit !== undefined) return hit;
    const padded = Math.ceil(bias.size / NR) * NR;
    const ptr = this.rt.heap.alloc(padded * 4);
    const view = this.rt.heap.f32(ptr, padded);
    view.fill(0);
    view.set(bias.data);
    return this.keep(this.biases, bias, ptr);
  }

  private pack(weight: F32, packer: (src: number, dst: number) => void, floats: number): number {
    const heap = this.rt.heap;
    const dst = heap.alloc(floats * 4);
    const src = heap.alloc(weight.size * 4);
    heap.f32(src, weight.size).set(weight.data);
    packer(src, dst);
    heap.free(src);
    return dst;
  }
}
