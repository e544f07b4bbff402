import { Tensor } from "../../tensor/tensor.js";
import type { AttentionOptions, Backend, Conv2dOptions, F32, TimestepEmbeddingOptions, Weight } from "../backend.js";
import { referenceBackend } from "../reference/index.js";
import { planBinary } from "./broadcast.js";
import { type PackedWeightStats, PackedWeights, PLAIN_GEMM, runGemm } from "./gemm.js";
import {
  A_PACKED,
  A_ROWS,
  ACT_QUICK_GELU,
  ACT_SILU,
  B_COLS,
  B_IM2COL,
  B_PACKED,
  B_ROWS,
  CTRL_COUNTER,
  JOB_ACTIVATION,
  JOB_ATTENTION,
  JOB_ATTENTION_PACK,
  JOB_BINARY,
  JOB_GELU,
  JOB_NORM,
  JOB_SOFTMAX,
} from "./layout.js";
import { WasmRuntime } from "./runtime.js";

/** Largest attention score buffer (floats) held at once; heads beyond it are processed in groups. */
const SCORE_FLOATS = 16 * 1024 * 1024;
/** Score floats of one fused-attention row block: with its scratch it stays in a core's L2 cache. */
const BLOCK_SCORE_FLOATS = 16384;
/** Activations of fewer elements stay on the fallback: a wasm job would cost more than it saves. */
const ACTIVATION_MIN_SIZE = 256;
/** Binary ops with fewer outputs stay on the fallback (copying into wasm costs more than the op). */
const BINARY_MIN_SIZE = 4096;
/** Outputs per claimed chunk of a binary job. */
const BINARY_CHUNK = 16384;
/**
 * Binary ops below this many outputs run on the calling thread alone: waking the workers (tens of
 * microseconds) costs more than the memory-bound loop they would share.
 */
const BINARY_THREADED_MIN = 1 << 20;
/** Binary op codes of the wasm job, in the order add, sub, mul, div. */
const BINARY_OPS = ["add", "sub", "mul", "div"] as const;
/** Fewest elements per claimed chunk of an activation job (a chunk is a few microseconds of work). */
const ACTIVATION_MIN_CHUNK = 2048;

function fmt(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

function checkF32(t: F32, what: string): void {
  if (t.dtype !== "float32") throw new TypeError(`wasm backend: ${what} must be float32, got ${t.dtype}`);
}

function checkWeight(t: Weight, what: string): void {
  if (t.dtype !== "float32" && t.dtype !== "float16" && t.dtype !== "bfloat16") {
    throw new TypeError(`wasm backend: ${what} must be float32, float16 or bfloat16, got ${t.dtype}`);
  }
}

function normalizePadding(p: Conv2dOptions["padding"]): [number, number, number, number] {
  const pad: [number, number, number, number] =
    typeof p === "number" || p === undefined ? [p ?? 0, p ?? 0, p ?? 0, p ?? 0] : [p[0], p[1], p[2], p[3]];
  if (pad.some((v) => !Number.isInteger(v) || v < 0))
    throw new RangeError(`conv2d: invalid padding ${JSON.stringify(p)}`);
  return pad;
}

/**
 * Writes one zero per 4 KiB page of a freshly allocated (zeroed) array. Such an allocation is backed by
 * pages the OS maps on first write (~1.7 µs per page in our VM: 0.2 ms for a 128x32x32 conv output); done
 * by the calling thread as its first step of a job, that cost overlaps the workers' first chunks instead
 * of following the job.
 */
function touchPages(array: Float32Array): void {
  for (let i = 0; i < array.length; i += 1024) array[i] = 0;
}

/**
 * The fast backend: conv2d, linear and matmul run as WebAssembly SIMD GEMMs over a thread pool;
 * unmasked attention as one fused job (scores, softmax and p·v per block of query rows), causal attention
 * as two GEMMs around the softmax; softmax, groupNorm, layerNorm, silu/quickGelu/gelu/geglu and the
 * broadcasting add/sub/mul/div run as threaded wasm loops. Every result is bit-identical to the reference
 * backend (docs/NUMERICS.md R2–R7) for every thread count. Other ops, small inputs and degenerate shapes
 * delegate to `fallback` (the reference backend). Weights are packed where used and kept
 * between ops up to the packed-weight budget (docs/ARCHITECTURE.md, memory plan).
 */
export class WasmBackend implements Backend {
  readonly name = "wasm";
  private readonly rt: WasmRuntime;
  private readonly packed: PackedWeights;

  /**
   * @param fallback serves the ops without a wasm kernel and degenerate shapes (the reference backend).
   * @param threads the thread count for each op, read at call time (the engine's `getNumThreads`).
   */
  constructor(
    private readonly fallback: Backend = referenceBackend,
    private readonly threads: () => number = WasmRuntime.cores,
  ) {
    this.rt = WasmRuntime.get();
    this.packed = PackedWeights.of(this.rt);
  }

  /** Logical cores available here (Node: os.availableParallelism(); browsers: hardwareConcurrency). */
  get hostCores(): number {
    return WasmRuntime.cores();
  }

  /** Why the backend runs single-threaded here, or null when it can use threads. */
  get singleThreadReason(): string | null {
    return this.rt.singleThreadReason;
  }

  /** Picks up the engine's thread count (it takes effect on the next op), wakes the pool, starts an op, returns the heap. */
  private begin(): WasmRuntime["heap"] {
    this.rt.setThreads(this.threads());
    this.rt.prepare();
    this.packed.beginOp();
    return this.rt.heap;
  }

  /** The packed-weight cache's size and counters. */
  get packedWeightStats(): PackedWeightStats {
    return this.packed.stats;
  }

  /**
   * Sets the bytes of packed weights kept in wasm memory between ops. The default, 0, packs each weight
   * where it is used (lowest memory); a larger budget trades memory for the re-packing time.
   */
  setPackedWeightBudget(bytes: number): void {
    this.packed.setBudget(bytes);
  }

  /** Frees every packed weight (they are re-packed on next use, with identical results). */
  clearPackedWeights(): void {
    this.packed.clear();
  }

  /** Bytes of the wasm memory now (it grows on demand and never shrinks). */
  get memoryBytes(): number {
    return this.rt.heap.memory.buffer.byteLength;
  }

  /** Caps the wasm memory (bytes, never below its current size) or restores the maximum (null). */
  setMemoryLimit(bytes: number | null): void {
    this.rt.heap.setLimit(bytes);
  }

  /** Threads (the caller included) that took part in the most recent wasm job. */
  get lastThreads(): number {
    return this.rt.lastThreads;
  }

  conv2d(x: F32, weight: Weight, bias: F32 | null, options: Conv2dOptions = {}): F32 {
    checkF32(x, "conv2d input");
    checkWeight(weight, "conv2d weight");
    if (x.ndim !== 4 || weight.ndim !== 4) {
      throw new RangeError(
        `conv2d: expected x [N, Cin, H, W] and weight [Cout, Cin, kh, kw], got ${fmt(x.shape)} and ${fmt(weight.shape)}`,
      );
    }
    const [n, cin, h, w] = x.shape;
    const [cout, wcin, kh, kw] = weight.shape;
    if (wcin !== cin)
      throw new RangeError(`conv2d: input has ${cin} channels but weight ${fmt(weight.shape)} expects ${wcin}`);
    if (bias !== null) {
      checkF32(bias, "conv2d bias");
      if (bias.size !== cout || bias.ndim !== 1)
        throw new RangeError(`conv2d: bias ${fmt(bias.shape)} does not match ${cout} output channels`);
    }
    const stride = options.stride ?? 1;
    if (!Number.isInteger(stride) || stride < 1) throw new RangeError(`conv2d: invalid stride ${stride}`);
    const [pt, pb, pl, pr] = normalizePadding(options.padding);
    const hp = h + pt + pb;
    const wp = w + pl + pr;
    const ho = Math.floor((hp - kh) / stride) + 1;
    const wo = Math.floor((wp - kw) / stride) + 1;
    if (hp < kh || wp < kw || ho < 1 || wo < 1) {
      throw new RangeError(`conv2d: kernel ${kh}x${kw} does not fit the padded input ${hp}x${wp}`);
    }
    const k = cin * kh * kw;
    if (n === 0 || cout === 0 || k === 0) return this.fallback.conv2d(x, weight, bias, options);

    const heap = this.begin();
    const a = this.packed.conv(weight);
    const biasPtr = bias === null ? 0 : this.packed.vector(bias);
    const plane = hp * wp;
    // Zero-padded copy, so padded taps are real +0 inputs; 16 floats of slack for the stride-2 loads.
    const xpLen = n * cin * plane + 16;
    const outLen = n * cout * ho * wo;
    const result = new Float32Array(outLen);
    return heap.scratch((alloc) => {
      const xp = alloc(xpLen * 4);
      const out = alloc(outLen * 4);
      const view = heap.f32(xp, xpLen);
      if (pt + pb + pl + pr === 0) {
        view.set(x.data);
        view.fill(0, x.size);
      } else {
        // Stage the input in the output buffer when it fits, else in a temporary, then pad in wasm.
        const stage = outLen >= x.size ? out : alloc(x.size * 4);
        heap.f32(stage, x.size).set(x.data);
        this.rt.kernels.padPlanes(stage, xp, n * cin, h, w, hp, wp, pt, pl);
        heap.f32(xp + n * cin * plane * 4, 16).fill(0);
      }
      runGemm(
        this.rt,
        {
          M: cout,
          N: ho * wo,
          K: k,
          batch: n,
          aMode: A_PACKED,
          a,
          lda: k,
          aBatch: 0,
          bMode: B_IM2COL,
          b: xp,
          ldb: 0,
          bBatch: cin * plane,
          c: out,
          ldc: ho * wo,
          cBatch: cout * ho * wo,
          biasRow: biasPtr,
          biasCol: 0,
          wp,
          plane,
          kh,
          kw,
          stride,
          wo,
        },
        true,
        false,
        () => touchPages(result),
      );
      result.set(heap.f32(out, outLen));
      return Tensor.from(result, [n, cout, ho, wo]);
    });
  }

  linear(x: F32, weight: Weight, bias: F32 | null): F32 {
    checkF32(x, "linear input");
    checkWeight(weight, "linear weight");
    if (weight.ndim !== 2) throw new RangeError(`linear: weight must be [out, in], got ${fmt(weight.shape)}`);
    const [outF, inF] = weight.shape;
    if (x.ndim < 1 || x.shape[x.ndim - 1] !== inF) {
      throw new RangeError(
        `linear: input ${fmt(x.shape)} does not end in ${inF} features (weight ${fmt(weight.shape)})`,
      );
    }
    if (bias !== null) {
      checkF32(bias, "linear bias");
      if (bias.size !== outF || bias.ndim !== 1)
        throw new RangeError(`linear: bias ${fmt(bias.shape)} does not match ${outF} outputs`);
    }
    const rows = x.size / Math.max(inF, 1);
    if (rows === 0 || outF === 0 || inF === 0) return this.fallback.linear(x, weight, bias);
    const heap = this.begin();
    const b = this.packed.linear(weight);
    const biasPtr = bias === null ? 0 : this.packed.vector(bias);
    const outLen = rows * outF;
    return heap.scratch((alloc) => {
      const xs = alloc(x.size * 4);
      const out = alloc(outLen * 4);
      heap.f32(xs, x.size).set(x.data);
      runGemm(
        this.rt,
        {
          M: rows,
          N: outF,
          K: inF,
          batch: 1,
          aMode: A_ROWS,
          a: xs,
          lda: inF,
          aBatch: 0,
          bMode: B_PACKED,
          b,
          ldb: inF,
          bBatch: 0,
          c: out,
          ldc: outF,
          cBatch: 0,
          ...PLAIN_GEMM,
          biasCol: biasPtr,
        },
        false,
        true,
      );
      return Tensor.from(heap.f32(out, outLen).slice(), [...x.shape.slice(0, -1), outF]);
    });
  }

  matmul(a: F32, b: F32): F32 {
    checkF32(a, "matmul a");
    checkF32(b, "matmul b");
    if (a.ndim < 2 || a.ndim !== b.ndim)
      throw new RangeError(`matmul: need equal ranks >= 2, got ${fmt(a.shape)} and ${fmt(b.shape)}`);
    const r = a.ndim;
    const [m, k] = [a.shape[r - 2], a.shape[r - 1]];
    const [kb, nCols] = [b.shape[r - 2], b.shape[r - 1]];
    const batchShape = a.shape.slice(0, -2);
    if (kb !== k || batchShape.some((d, i) => d !== b.shape[i])) {
      throw new RangeError(`matmul: shapes ${fmt(a.shape)} and ${fmt(b.shape)} do not match`);
    }
    const batch = batchShape.reduce((p, d) => p * d, 1);
    if (batch === 0 || m === 0 || nCols === 0 || k === 0) return this.fallback.matmul(a, b);
    return this.gemmRows(a.data, b.data, batch, m, nCols, k, [...batchShape, m, nCols]);
  }

  /** C[batch][m][n] = A[batch][m][k] · B[batch][k][n], both row-major, copied into wasm memory. */
  private gemmRows(
    aData: Float32Array,
    bData: Float32Array,
    batch: number,
    m: number,
    n: number,
    k: number,
    shape: number[],
  ): F32 {
    const heap = this.begin();
    const outLen = batch * m * n;
    return heap.scratch((alloc) => {
      const ap = alloc(aData.length * 4);
      const bp = alloc(bData.length * 4);
      const out = alloc(outLen * 4);
      heap.f32(ap, aData.length).set(aData);
      heap.f32(bp, bData.length).set(bData);
      runGemm(
        this.rt,
        {
          M: m,
          N: n,
          K: k,
          batch,
          aMode: A_ROWS,
          a: ap,
          lda: k,
          aBatch: m * k,
          bMode: B_ROWS,
          b: bp,
          ldb: n,
          bBatch: k * n,
          c: out,
          ldc: n,
          cBatch: m * n,
          ...PLAIN_GEMM,
        },
        false,
        false,
      );
      return Tensor.from(heap.f32(out, outLen).slice(), shape);
    });
  }

  groupNorm(x: F32, numGroups: number, weight: F32 | null, bias: F32 | null, eps: number): F32 {
    checkF32(x, "groupNorm input");
    if (x.ndim < 2) throw new RangeError(`groupNorm: x must be [N, C, ...], got ${fmt(x.shape)}`);
    const [n, c] = x.shape;
    if (!Number.isInteger(numGroups) || numGroups < 1 || c % numGroups !== 0) {
      throw new RangeError(`groupNorm: ${c} channels of x ${fmt(x.shape)} do not divide into ${numGroups} groups`);
    }
    const spatial = x.shape.slice(2).reduce((p, d) => p * d, 1);
    const perGroup = (c / numGroups) * spatial;
    if (!this.affineOk(weight, c) || !this.affineOk(bias, c) || perGroup === 0 || n === 0 || !Number.isFinite(eps)) {
      return this.fallback.groupNorm(x, numGroups, weight, bias, eps);
    }
    return this.norm(x, n * numGroups, perGroup, numGroups, c / numGroups, spatial, weight, bias, eps);
  }

  layerNorm(x: F32, weight: F32 | null, bias: F32 | null, eps: number): F32 {
    checkF32(x, "layerNorm input");
    const d = x.ndim === 0 ? 0 : x.shape[x.ndim - 1];
    if (d === 0 || x.size === 0 || !this.affineOk(weight, d) || !this.affineOk(bias, d) || !Number.isFinite(eps)) {
      return this.fallback.layerNorm(x, weight, bias, eps);
    }
    return this.norm(x, x.size / d, d, 1, 0, 1, weight, bias, eps);
  }

  /** Whether an affine parameter is absent or a float32 vector of `size` (else the fallback reports it). */
  private affineOk(t: F32 | null, size: number): boolean {
    return t === null || (t.dtype === "float32" && t.ndim === 1 && t.size === size);
  }

  private norm(
    x: F32,
    rows: number,
    count: number,
    groups: number,
    channelsPerGroup: number,
    stride: number,
    weight: F32 | null,
    bias: F32 | null,
    eps: number,
  ): F32 {
    const heap = this.begin();
    const wPtr = weight === null ? 0 : this.packed.vector(weight);
    const bPtr = bias === null ? 0 : this.packed.vector(bias);
    const buf = heap.alloc(x.size * 4);
    try {
      heap.f32(buf, x.size).set(x.data);
      const chunk = Math.max(1, Math.min(64, Math.ceil(rows / (8 * this.rt.threads))));
      this.rt.job((desc) => {
        desc[0] = JOB_NORM;
        desc[1] = CTRL_COUNTER * 4;
        desc[2] = rows;
        desc[3] = count;
        desc[4] = buf;
        desc[5] = buf;
        desc[6] = wPtr;
        desc[7] = bPtr;
        new Float64Array(desc.buffer, desc.byteOffset + 32, 1)[0] = eps;
        desc[10] = groups;
        desc[11] = channelsPerGroup;
        desc[12] = stride;
        desc[13] = chunk;
      }, 0);
      return Tensor.from(heap.f32(buf, x.size).slice(), x.shape);
    } finally {
      heap.free(buf);
    }
  }

  softmax(x: F32): F32 {
    checkF32(x, "softmax input");
    const n = x.ndim === 0 ? 0 : x.shape[x.ndim - 1];
    if (n === 0 || x.size === 0) return this.fallback.softmax(x);
    const heap = this.begin();
    const buf = heap.alloc(x.size * 4);
    try {
      heap.f32(buf, x.size).set(x.data);
      this.softmaxRows(buf, x.size / n, n, null, false, 1);
      return Tensor.from(heap.f32(buf, x.size).slice(), x.shape);
    } finally {
      heap.free(buf);
    }
  }

  /** Softmax (R4) of `rows` rows of `n` in place, optionally of f32(s·scale) with a causal mask (R3). */
  private softmaxRows(buf: number, rows: number, n: number, scale: number | null, causal: boolean, lq: number): void {
    // Whole groups of four rows per chunk: the kernel runs four rows at a time.
    const chunk = 4 * Math.max(1, Math.min(16, Math.ceil(rows / (32 * this.rt.threads))));
    const scaleBits = new Int32Array(new Float32Array([scale ?? 1]).buffer)[0];
    this.rt.job((desc, ws, wsStride) => {
      desc[0] = JOB_SOFTMAX;
      desc[1] = CTRL_COUNTER * 4;
      desc[2] = rows;
      desc[3] = n;
      desc[4] = buf;
      desc[5] = buf;
      desc[6] = (scale === null ? 0 : 1) | (causal ? 2 : 0);
      desc[7] = scaleBits;
      desc[8] = lq;
      desc[9] = chunk;
      desc[10] = ws;
      desc[11] = wsStride;
    }, n * 32);
  }

  attention(q: F32, k: F32, v: F32, options: AttentionOptions = {}): F32 {
    checkF32(q, "attention q");
    checkF32(k, "attention k");
    checkF32(v, "attention v");
    if (q.ndim !== 4 || k.ndim !== 4 || v.ndim !== 4) {
      throw new RangeError(
        `attention: q, k, v must be [B, H, L, D], got ${fmt(q.shape)}, ${fmt(k.shape)}, ${fmt(v.shape)}`,
      );
    }
    const [b, h, lq, d] = q.shape;
    const lk = k.shape[2];
    const dv = v.shape[3];
    if (
      k.shape[0] !== b ||
      k.shape[1] !== h ||
      k.shape[3] !== d ||
      v.shape[0] !== b ||
      v.shape[1] !== h ||
      v.shape[2] !== lk
    ) {
      throw new RangeError(`attention: shapes q ${fmt(q.shape)}, k ${fmt(k.shape)}, v ${fmt(v.shape)} do not match`);
    }
    const bh = b * h;
    if (
      bh === 0 ||
      lq === 0 ||
      lk === 0 ||
      d === 0 ||
      dv === 0 ||
      (options.scale !== undefined && Number.isNaN(options.scale))
    ) {
      return this.fallback.attention(q, k, v, options);
    }
    const scale = Math.fround(options.scale === undefined ? 1 / Math.sqrt(d) : options.scale);
    const causal = options.causal === true;
    const heap = this.begin();
    if (!causal) return this.fusedAttention(q, k, v, scale);
    // Causal: heads are processed in groups so the score matrix stays bounded (64 MiB) for long sequences.
    const group = Math.max(1, Math.min(bh, Math.floor(SCORE_FLOATS / (lq * lk))));
    return heap.scratch((alloc) => {
      const qp = alloc(q.size * 4);
      const kp = alloc(k.size * 4);
      const vp = alloc(v.size * 4);
      const sp = alloc(group * lq * lk * 4);
      const outLen = bh * lq * dv;
      const op = alloc(outLen * 4);
      heap.f32(qp, q.size).set(q.data);
      heap.f32(kp, k.size).set(k.data);
      heap.f32(vp, v.size).set(v.data);
      for (let h0 = 0; h0 < bh; h0 += group) {
        const g = Math.min(group, bh - h0);
        runGemm(
          this.rt,
          {
            ...PLAIN_GEMM,
            M: lq,
            N: lk,
            K: d,
            batch: g,
            aMode: A_ROWS,
            a: qp + h0 * lq * d * 4,
            lda: d,
            aBatch: lq * d,
            bMode: B_COLS,
            b: kp + h0 * lk * d * 4,
            ldb: d,
            bBatch: lk * d,
            c: sp,
            ldc: lk,
            cBatch: lq * lk,
          },
          false,
          false,
        );
        this.softmaxRows(sp, g * lq, lk, scale, causal, lq);
        runGemm(
          this.rt,
          {
            ...PLAIN_GEMM,
            M: lq,
            N: dv,
            K: lk,
            batch: g,
            aMode: A_ROWS,
            a: sp,
            lda: lk,
            aBatch: lq * lk,
            bMode: B_ROWS,
            b: vp + h0 * lk * dv * 4,
            ldb: dv,
            bBatch: lk * dv,
            c: op + h0 * lq * dv * 4,
            ldc: dv,
            cBatch: lq * dv,
          },
          false,
          false,
        );
      }
      return Tensor.from(heap.f32(op, outLen).slice(), [b, h, lq, dv]);
    });
  }

  /**
   * Unmasked attention as one fused wasm job over blocks of query rows (assembly/attention.ts): keys and
   * values are first packed into GEMM panels per head, then each block's scores, softmax and p·v stay in
   * its thread's cache. Same R3 arithmetic as the three-pass path.
   */
  private fusedAttention(q: F32, k: F32, v: F32, scale: number): F32 {
    const [b, h, lq, d] = q.shape;
    const lk = k.shape[2];
    const dv = v.shape[3];
    const bh = b * h;
    const heap = this.rt.heap;
    const kPanels = Math.ceil(lk / 8);
    const vPanels = Math.ceil(dv / 8);
    const lkp = kPanels * 8;
    const threads = this.rt.threads;
    let block = 4 * Math.max(1, Math.min(16, Math.floor(BLOCK_SCORE_FLOATS / (4 * lkp))));
    // Enough blocks for the threads to balance.
    while (block > 4 && bh * Math.ceil(lq / block) < 4 * threads) block -= 4;
    const wsStride = Math.ceil((block * d * 4) / 16) * 16 + block * lkp * 4 + lkp * 32 + 128;
    const outLen = bh * lq * dv;
    return heap.scratch((alloc) => {
      const qp = alloc(q.size * 4);
      const kp = alloc(k.size * 4);
      const vp = alloc(v.size * 4);
      const kPacked = alloc(bh * kPanels * 8 * d * 4);
      const vPacked = alloc(bh * vPanels * 8 * lk * 4);
      const op = alloc(outLen * 4);
      heap.f32(qp, q.size).set(q.data);
      heap.f32(kp, k.size).set(k.data);
      heap.f32(vp, v.size).set(v.data);
      this.rt.job((desc) => {
        desc[0] = JOB_ATTENTION_PACK;
        desc[1] = CTRL_COUNTER * 4;
        desc[2] = bh;
        desc[3] = lk;
        desc[4] = d;
        desc[5] = dv;
        desc[6] = kp;
        desc[7] = vp;
        desc[8] = kPacked;
        desc[9] = vPacked;
      }, 0);
      const scaleBits = new Int32Array(new Float32Array([scale]).buffer)[0];
      this.rt.job((desc, ws, stride) => {
        desc[0] = JOB_ATTENTION;
        desc[1] = CTRL_COUNTER * 4;
        desc[2] = bh;
        desc[3] = lq;
        desc[4] = lk;
        desc[5] = d;
        desc[6] = dv;
        desc[7] = qp;
        desc[8] = kPacked;
        desc[9] = vPacked;
        desc[10] = op;
        desc[11] = scaleBits;
        desc[12] = block;
        desc[13] = ws;
        desc[14] = stride;
      }, wsStride);
      return Tensor.from(heap.f32(op, outLen).slice(), [b, h, lq, dv]);
    });
  }

  silu(x: F32): F32 {
    checkF32(x, "silu input");
    return x.size < ACTIVATION_MIN_SIZE ? this.fallback.silu(x) : this.activation(x, ACT_SILU);
  }
  gelu(x: F32): F32 {
    checkF32(x, "gelu input");
    if (x.size < ACTIVATION_MIN_SIZE) return this.fallback.gelu(x);
    return this.geluJob(x, x.size, 0, x.shape);
  }
  geluTanh(x: F32): F32 {
    return this.fallback.geluTanh(x);
  }
  quickGelu(x: F32): F32 {
    checkF32(x, "quickGelu input");
    return x.size < ACTIVATION_MIN_SIZE ? this.fallback.quickGelu(x) : this.activation(x, ACT_QUICK_GELU);
  }

  /** An R6 activation (ACT_*) as a threaded wasm job (assembly/activation.ts). */
  private activation(x: F32, op: number): F32 {
    const heap = this.begin();
    const buf = heap.alloc(x.size * 4);
    try {
      heap.f32(buf, x.size).set(x.data);
      const chunk = 4 * Math.ceil(Math.max(ACTIVATION_MIN_CHUNK, x.size / (8 * this.rt.threads)) / 4);
      this.rt.job((desc) => {
        desc[0] = JOB_ACTIVATION;
        desc[1] = CTRL_COUNTER * 4;
        desc[2] = x.size;
        desc[3] = buf;
        desc[4] = buf;
        desc[5] = op;
        desc[6] = chunk;
      }, 0);
      return Tensor.from(heap.f32(buf, x.size).slice(), x.shape);
    } finally {
      heap.free(buf);
    }
  }
  geglu(x: F32): F32 {
    checkF32(x, "geglu input");
    const last = x.ndim === 0 ? 0 : x.shape[x.ndim - 1];
    // Odd or empty last dimensions: the fallback reports or handles them.
    if (x.size < ACTIVATION_MIN_SIZE || last % 2 !== 0) return this.fallback.geglu(x);
    const half = last / 2;
    return this.geluJob(x, x.size / last, half, [...x.shape.slice(0, -1), half]);
  }

  /** gelu (half = 0, `count` elements) or geglu (`count` rows of 2·half) as a threaded wasm job (assembly/erf.ts). */
  private geluJob(x: F32, count: number, half: number, shape: number[]): F32 {
    const heap = this.begin();
    const outLen = half === 0 ? x.size : count * half;
    return heap.scratch((alloc) => {
      const src = alloc(x.size * 4);
      const dst = alloc(outLen * 4);
      heap.f32(src, x.size).set(x.data);
      const perItem = half === 0 ? 1 : 2 * half;
      const chunk = Math.max(1, Math.ceil(Math.max(ACTIVATION_MIN_CHUNK / perItem, count / (8 * this.rt.threads))));
      this.rt.job((desc) => {
        desc[0] = JOB_GELU;
        desc[1] = CTRL_COUNTER * 4;
        desc[2] = count;
        desc[3] = src;
        desc[4] = dst;
        desc[5] = half;
        desc[6] = chunk;
      }, 0);
      return Tensor.from(heap.f32(dst, outLen).slice(), shape);
    });
  }
  add(a: F32, b: F32): F32 {
    return this.binary(0, a, b);
  }
  sub(a: F32, b: F32): F32 {
    return this.binary(1, a, b);
  }
  mul(a: F32, b: F32): F32 {
    return this.binary(2, a, b);
  }
  div(a: F32, b: F32): F32 {
    return this.binary(3, a, b);
  }

  /** An R7 binary op as a threaded wasm job when its broadcast has at most two levels (see planBinary). */
  private binary(op: number, a: F32, b: F32): F32 {
    const name = BINARY_OPS[op];
    const plan = a.dtype === "float32" && b.dtype === "float32" ? planBinary(a.shape, b.shape) : null;
    if (plan === null || plan.total < BINARY_MIN_SIZE) return this.fallback[name](a, b);
    const heap = this.begin();
    if (plan.total < BINARY_THREADED_MIN) this.rt.setThreads(1);
    return heap.scratch((alloc) => {
      const ap = alloc(a.size * 4);
      const bp = alloc(b.size * 4);
      const out = alloc(plan.total * 4);
      heap.f32(ap, a.size).set(a.data);
      heap.f32(bp, b.size).set(b.data);
      this.rt.job((desc) => {
        desc[0] = JOB_BINARY;
        desc[1] = CTRL_COUNTER * 4;
        desc[2] = plan.total;
        desc[3] = plan.inner;
        desc[4] = ap;
        desc[5] = plan.aRow;
        desc[6] = plan.aInner;
        desc[7] = bp;
        desc[8] = plan.bRow;
        desc[9] = plan.bInner;
        desc[10] = out;
        desc[11] = op;
        desc[12] = BINARY_CHUNK;
      }, 0);
      return Tensor.from(heap.f32(out, plan.total).slice(), plan.shape);
    });
  }
  affine(x: F32, scale: number, offset: number): F32 {
    return this.fallback.affine(x, scale, offset);
  }
  concat(tensors: readonly F32[], axis: number): F32 {
    return this.fallback.concat(tensors, axis);
  }
  permute(x: F32, dims: readonly number[]): F32 {
    return this.fallback.permute(x, dims);
  }
  narrow(x: F32, axis: number, start: number, length: number): F32 {
    return this.fallback.narrow(x, axis, start, length);
  }
  upsampleNearest2x(x: F32): F32 {
    return this.fallback.upsampleNearest2x(x);
  }
  avgPool2x2(x: F32): F32 {
    return this.fallback.avgPool2x2(x);
  }
  timestepEmbedding(timesteps: Float32Array, dim: number, options: TimestepEmbeddingOptions): F32 {
    return this.fallback.timestepEmbedding(timesteps, dim, options);
  }
}
