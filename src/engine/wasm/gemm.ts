import { widenHalfInto } from "../../tensor/half.js";
import type { F32, Weight } from "../backend.js";
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

/** What the packed-weight cache holds and has done, for diagnostics, tests and benchmarks. */
export interface PackedWeightStats {
  /** Packed buffers held now, and their bytes in wasm memory. */
  entries: number;
  bytes: number;
  /** Byte budget kept between ops (default 0; Infinity: bounded only by the wasm memory, which reclaims under pressure). */
  budget: number;
  hits: number;
  /** Packs done (first use, or re-packing after an eviction). */
  packs: number;
  evictions: number;
}

interface Entry {
  /** Byte address in wasm memory, or -1 while evicted. */
  ptr: number;
  bytes: number;
  /** The op that last used it: entries of the current op are pinned (their addresses are in flight). */
  op: number;
}

type Packer = (src: number, dst: number) => void;

/**
 * Weights packed into wasm memory, keyed by the weight tensor object (tensors are values, so a tensor's
 * data never changes). This is a cache, not the weights' home: the tensors (float32, or float16/bfloat16
 * as stored, which halves a big checkpoint's memory) stay in JS, so any entry can be dropped and re-packed
 * later with identical bits. That is what lets a model larger than one wasm memory run (Stable Diffusion's
 * UNet + text encoder + VAE are 4.3 GB as packed float32, a wasm32 memory holds 4 GiB):
 *  - entries are kept in least-recently-used order and evicted beyond an optional byte budget;
 *  - when the heap cannot satisfy an allocation, it asks the cache to evict (LRU first) and retries;
 *  - entries used by the op in flight are pinned, since their addresses are already in a job descriptor.
 * Entries are also freed when their tensor is garbage-collected.
 */
export class PackedWeights {
  private readonly maps = {
    conv: new WeakMap<object, Entry>(),
    linear: new WeakMap<object, Entry>(),
    vector: new WeakMap<object, Entry>(),
  };
  /** Live entries, least recently used first (a Set iterates in insertion order). */
  private readonly lru = new Set<Entry>();
  private readonly registry: FinalizationRegistry<Entry>;
  private op = 0;
  private liveBytes = 0;
  /**
   * Measured (bench/unet.ts, bench/sd-unet.ts), packing per use costs 2% (1 thread) to 12% (2 threads) of a
   * ddpm-cifar10-32 UNet forward and ~1 s of a 20–40 s SD 1.5 UNet step at 512x512, while keeping every
   * weight packed doubles a float32 model's memory (peak RSS 2.0x -> 3.0x the weights; SD 1.5 pipeline 3.8 ->
   * 7.2 GiB). So by default nothing is kept between ops.
   */
  private budgetBytes = 0;
  private readonly counts = { hits: 0, packs: 0, evictions: 0 };

  private static readonly perRuntime = new WeakMap<WasmRuntime, PackedWeights>();

  /** The one cache of a runtime: every backend over the same memory shares it (and its heap's reclaim hook). */
  static of(rt: WasmRuntime): PackedWeights {
    let cache = PackedWeights.perRuntime.get(rt);
    if (cache === undefined) {
      cache = new PackedWeights(rt);
      PackedWeights.perRuntime.set(rt, cache);
    }
    return cache;
  }

  private constructor(private readonly rt: WasmRuntime) {
    this.registry = new FinalizationRegistry((entry) => this.drop(entry));
    rt.heap.reclaim = () => this.evictOne();
  }

  /** Starts a new op: what earlier ops packed becomes evictable. */
  beginOp(): void {
    this.op++;
  }

  get stats(): PackedWeightStats {
    return { entries: this.lru.size, bytes: this.liveBytes, budget: this.budgetBytes, ...this.counts };
  }

  /** Sets the packed bytes kept between ops (0: pack per use; Infinity: no cap beyond the wasm memory). Evicts down to it now. */
  setBudget(bytes: number): void {
    if (!(bytes >= 0))
      throw new RangeError(`packed-weight budget must be a non-negative number of bytes, got ${bytes}`);
    this.budgetBytes = bytes;
    this.op++; // called between ops: nothing is in flight
    while (this.liveBytes > this.budgetBytes && this.evictOne());
  }

  /** Frees every packed buffer (call between ops; they are re-packed on next use). */
  clear(): void {
    this.op++;
    while (this.evictOne());
  }

  /** Conv weight [Cout, Cin, kh, kw] as A panels [ceil(Cout/4)][K][4], K = Cin*kh*kw. */
  conv(weight: Weight): number {
    const [cout] = weight.shape;
    const k = weight.size / cout;
    return this.get(this.maps.conv, weight, Math.ceil(cout / MR) * MR * k, (src, dst) =>
      this.rt.kernels.packAPanels(src, cout, k, dst),
    );
  }

  /** Linear weight [out, in] as B panels [ceil(out/8)][in][8] (B = weightᵀ). */
  linear(weight: Weight): number {
    const [out, k] = weight.shape;
    return this.get(this.maps.linear, weight, Math.ceil(out / NR) * NR * k, (src, dst) =>
      this.rt.kernels.packBPanelsFromCols(src, out, k, dst),
    );
  }

  /** A bias or norm affine vector, padded with zeros to a multiple of 8 (kernels read whole 4- or 8-wide groups). */
  vector(values: F32): number {
    return this.get(this.maps.vector, values, Math.ceil(values.size / NR) * NR, null);
  }

  private get(map: WeakMap<object, Entry>, weight: Weight, floats: number, packer: Packer | null): number {
    let entry = map.get(weight);
    if (entry !== undefined && entry.ptr >= 0) {
      this.counts.hits++;
      entry.op = this.op;
      this.lru.delete(entry);
      this.lru.add(entry);
      return entry.ptr;
    }
    const bytes = floats * 4;
    while (this.liveBytes + bytes > this.budgetBytes && this.evictOne());
    const ptr = this.pack(weight, floats, packer);
    if (entry === undefined) {
      entry = { ptr, bytes, op: this.op };
      map.set(weight, entry);
    } else Object.assign(entry, { ptr, bytes, op: this.op });
    this.registry.register(weight, entry, entry);
    this.lru.add(entry);
    this.liveBytes += bytes;
    this.counts.packs++;
    return ptr;
  }

  /** Widens (exactly) and copies the tensor into wasm memory, then packs it there (or zero-pads a vector). */
  private pack(weight: Weight, floats: number, packer: Packer | null): number {
    const heap = this.rt.heap;
    const dst = heap.alloc(floats * 4);
    try {
      const n = weight.size;
      const src = packer === null ? dst : heap.alloc(n * 4);
      if (weight.dtype === "float32") heap.f32(src, n).set(weight.data as Float32Array);
      else if (weight.dtype === "float16") {
        // Copy the bits into the upper half of the float32 buffer and widen forward in place (SIMD).
        const bitsAt = src + n * 2;
        new Uint16Array(heap.memory.buffer, bitsAt, n).set(weight.data as Uint16Array);
        this.rt.kernels.widenF16(bitsAt, src, n);
      } else widenHalfInto(weight.dtype, weight.data as Uint16Array, heap.f32(src, n));
      if (packer === null) heap.f32(src, floats).fill(0, n);
      else {
        packer(src, dst);
        heap.free(src);
      }
      return dst;
    } catch (error) {
      heap.free(dst);
      throw error;
    }
  }

  /** Evicts the least recently used entry not pinned by the op in flight; false when there is none. */
  private evictOne(): boolean {
    for (const entry of this.lru) {
      if (entry.op === this.op) continue;
      this.drop(entry);
      this.counts.evictions++;
      return true;
    }
    return false;
  }

  private drop(entry: Entry): void {
    if (entry.ptr < 0) return;
    this.rt.heap.free(entry.ptr);
    this.lru.delete(entry);
    this.registry.unregister(entry);
    this.liveBytes -= entry.bytes;
    entry.ptr = -1;
  }
}
