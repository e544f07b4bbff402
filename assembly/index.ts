// reprodiff's WebAssembly SIMD kernels.
//
// Numerics (docs/NUMERICS.md, rule R2): every output of a dot product has ONE float32 accumulator that
// starts at +0 and receives f32(a*b) terms in ascending k, each with a separate f32x4.mul and f32x4.add
// (never a fused or relaxed multiply-add); bias is added last. The vector lanes of a micro-kernel are
// different outputs, never different k, so SIMD does not reorder any sum. K is blocked only by storing
// the float32 accumulator to C and reloading it for the next block, which is exact.
//
// Memory is imported and (in the threaded build) shared by every worker; this module owns no heap and
// no data segments, so instantiating it once per thread never writes memory. The JS side allocates every
// buffer and describes each job in a small descriptor in memory.

import { activationJob } from "./activation";
import { attentionJob, attentionPackJob } from "./attention";
import { binaryJob } from "./elementwise";
import { ERF_TABLE_END, geluJob, initErfTable } from "./erf";
import { EXP_TABLE_BYTES, exp64, exp64x2, expSoftmax2, initExpTable } from "./exp";
import { kernel } from "./microkernel";
import { softmaxJob } from "./softmax";

// Micro-tile: MR rows of A (splatted scalars) times NR columns of B (two f32x4 vectors).
const MR: i32 = 4;
const NR: i32 = 8;

// Operand layouts (descriptor "mode" fields).
const A_PACKED: i32 = 0; // [mPanel][K][4], packed once (conv weights)
const A_ROWS: i32 = 1; // A[m][k] = src[m*lda + k]
const B_PACKED: i32 = 0; // [nPanel][K][8], packed once (linear weights)
const B_ROWS: i32 = 1; // B[k][n] = src[k*ldb + n]
const B_COLS: i32 = 2; // B[k][n] = src[n*ldb + k] (a transposed operand: linear weights, attention keys)
const B_IM2COL: i32 = 3; // convolution patches of a zero-padded image, see packIm2col

// Job kinds.
const JOB_GEMM: i32 = 1;

// ---- job parameters (module globals are per instance, i.e. per thread) ----
let gCounter: usize = 0;
let gM: i32 = 0;
let gN: i32 = 0;
let gK: i32 = 0;
let gBatch: i32 = 0;
let gAMode: i32 = 0;
let gA: usize = 0;
let gLda: i32 = 0;
let gABatch: usize = 0;
let gBMode: i32 = 0;
let gB: usize = 0;
let gLdb: i32 = 0;
let gBBatch: usize = 0;
let gC: usize = 0;
let gLdc: i32 = 0;
let gCBatch: usize = 0;
let gBiasRow: usize = 0;
let gBiasCol: usize = 0;
let gMChunkPanels: i32 = 0;
let gNChunkPanels: i32 = 0;
let gMChunks: i32 = 0;
let gNChunks: i32 = 0;
let gWs: usize = 0;
let gWsStride: usize = 0;
let gKc: i32 = 0;
let gWp: i32 = 0;
let gPlane: i32 = 0;
let gKh: i32 = 0;
let gKw: i32 = 0;
let gStride: i32 = 0;
let gWo: i32 = 0;

// Descriptor field offsets in 32-bit words; mirrored in src/engine/wasm/layout.ts.
function field(d: usize, i: i32): i32 {
  return load<i32>(d + ((<usize>i) << 2));
}

/** Entry point of every thread: runs its share of the job described at `desc`; `tid` picks its workspace. */
export function runJob(desc: usize, tid: i32): void {
  const kind = field(desc, 0);
  if (kind == JOB_GEMM) gemmJob(desc, tid);
  else if (kind == JOB_SOFTMAX) softmaxJob(desc, tid);
  else if (kind == JOB_NORM) normJob(desc);
  else if (kind == JOB_ATTENTION) attentionJob(desc, tid);
  else if (kind == JOB_ATTENTION_PACK) attentionPackJob(desc);
  else if (kind == JOB_ACTIVATION) activationJob(desc);
  else if (kind == JOB_GELU) geluJob(desc);
  else if (kind == JOB_BINARY) binaryJob(desc);
}

function gemmJob(d: usize, tid: i32): void {
  gCounter = <usize>field(d, 1);
  gM = field(d, 2);
  gN = field(d, 3);
  gK = field(d, 4);
  gBatch = field(d, 5);
  gAMode = field(d, 6);
  gA = <usize>field(d, 7);
  gLda = field(d, 8);
  gABatch = <usize>field(d, 9);
  gBMode = field(d, 10);
  gB = <usize>field(d, 11);
  gLdb = field(d, 12);
  gBBatch = <usize>field(d, 13);
  gC = <usize>field(d, 14);
  gLdc = field(d, 15);
  gCBatch = <usize>field(d, 16);
  gBiasRow = <usize>field(d, 17);
  gBiasCol = <usize>field(d, 18);
  gMChunkPanels = field(d, 19);
  gNChunkPanels = field(d, 20);
  gMChunks = field(d, 21);
  gNChunks = field(d, 22);
  gWs = <usize>field(d, 23);
  gWsStride = <usize>field(d, 24);
  gKc = field(d, 25);
  gWp = field(d, 26);
  gPlane = field(d, 27);
  gKh = field(d, 28);
  gKw = field(d, 29);
  gStride = field(d, 30);
  gWo = field(d, 31);

  const ws = gWs + <usize>tid * gWsStride;
  const total = gBatch * gMChunks * gNChunks;
  // Chunks are claimed dynamically: which thread computes a chunk never changes its bits.
  while (true) {
    const idx = atomic.add<i32>(gCounter, 1);
    if (idx >= total) break;
    const nc = idx % gNChunks;
    const rest = idx / gNChunks;
    const mc = rest % gMChunks;
    const bi = rest / gMChunks;
    gemmChunk(bi, mc, nc, ws);
  }
}

// Workspace of one thread: [0,128) edge tile, [128,160) im2col offsets, [256, ...) packed A then packed B.
const WS_TILE: usize = 0;
const WS_OFFS: usize = 128;
const WS_PACK: usize = 256;

function gemmChunk(bi: i32, mc: i32, nc: i32, ws: usize): void {
  const M = gM;
  const N = gN;
  const K = gK;
  const mPanels = (M + MR - 1) / MR;
  const nPanels = (N + NR - 1) / NR;
  const m0p = mc * gMChunkPanels;
  const m1p = min(m0p + gMChunkPanels, mPanels);
  const n0p = nc * gNChunkPanels;
  const n1p = min(n0p + gNChunkPanels, nPanels);
  const aSrc = gA + <usize>bi * gABatch * 4;
  const bSrc = gB + <usize>bi * gBBatch * 4;
  const cBase = gC + <usize>bi * gCBatch * 4;
  const ldcBytes = (<usize>gLdc) << 2;
  const wsA = ws + WS_PACK;
  const wsB = wsA + (gAMode == A_PACKED ? 0 : <usize>gMChunkPanels * <usize>gKc * 16);

  for (let pc = 0; pc < K; pc += gKc) {
    const kc = min(gKc, K - pc);
    let aBase: usize;
    let aStride: usize;
    if (gAMode == A_PACKED) {
      aBase = gA + (<usize>m0p * <usize>K + <usize>pc) * 16;
      aStride = <usize>K * 16;
    } else {
      packARows(aSrc, gLda, M, m0p, m1p, pc, kc, wsA);
      aBase = wsA;
      aStride = <usize>kc * 16;
    }
    let bBase: usize;
    let bStride: usize;
    if (gBMode == B_PACKED) {
      bBase = gB + (<usize>n0p * <usize>K + <usize>pc) * 32;
      bStride = <usize>K * 32;
    } else {
      if (gBMode == B_ROWS) packBRows(bSrc, gLdb, N, n0p, n1p, pc, kc, wsB);
      else if (gBMode == B_COLS) packBCols(bSrc, gLdb, N, n0p, n1p, pc, kc, wsB);
      else packIm2col(bSrc, N, n0p, n1p, pc, kc, wsB, ws + WS_OFFS);
      bBase = wsB;
      bStride = <usize>kc * 32;
    }
    const init = pc > 0;
    const last = pc + kc == K;
    // Usually each B panel stays in L1 while the chunk's A panels stream from L2 (jp outer). When the
    // chunk's whole B block fits in L1 (few columns), A is the bigger stream, so each A panel is read
    // once for all B panels instead (ip outer). The order of tiles never changes an output's bits.
    if (<usize>(n1p - n0p) * bStride <= 32768) {
      for (let ip = m0p; ip < m1p; ip++) {
        const aOff = <usize>(ip - m0p) * aStride;
        for (let jp = n0p; jp < n1p; jp++) {
          tile(aBase, aOff, bBase, <usize>(jp - n0p) * bStride, ip, jp, kc, cBase, ldcBytes, init, last, ws);
        }
      }
    } else {
      for (let jp = n0p; jp < n1p; jp++) {
        const bOff = <usize>(jp - n0p) * bStride;
        for (let ip = m0p; ip < m1p; ip++) {
          tile(aBase, <usize>(ip - m0p) * aStride, bBase, bOff, ip, jp, kc, cBase, ldcBytes, init, last, ws);
        }
      }
    }
  }
}

/** One 4x8 tile of C (row panel ip, column panel jp) over one K block; edge tiles go through a scratch tile. */
function tile(aBase: usize, aOff: usize, bBase: usize, bOff: usize, ip: i32, jp: i32, kc: i32, cBase: usize, ldcBytes: usize, init: bool, last: bool, ws: usize): void {
  const M = gM;
  const N = gN;
  const m = ip * MR;
  const n = jp * NR;
  const biasRow = gBiasRow != 0 && last ? gBiasRow + (<usize>m << 2) : 0;
  const biasCol = gBiasCol != 0 && last ? gBiasCol + (<usize>n << 2) : 0;
  const cp = cBase + ((<usize>m * <usize>gLdc + <usize>n) << 2);
  if (m + MR <= M && n + NR <= N) {
    kernel(aBase, aOff, bBase, bOff, kc, cp, ldcBytes, init, biasRow, biasCol);
    return;
  }
  const rows = min(MR, M - m);
  const cols = min(NR, N - n);
  const scratch = ws + WS_TILE;
  if (init) {
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        store<f32>(scratch + (<usize>(r * NR + c) << 2), load<f32>(cp + <usize>r * ldcBytes + (<usize>c << 2)));
      }
    }
  }
  kernel(aBase, aOff, bBase, bOff, kc, scratch, <usize>NR << 2, init, biasRow, biasCol);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      store<f32>(cp + <usize>r * ldcBytes + (<usize>c << 2), load<f32>(scratch + (<usize>(r * NR + c) << 2)));
    }
  }
}


// ---- packing ----

/** A panels [p][kc][4] from row-major rows (rows past M are zeros). */
function packARows(src: usize, lda: i32, M: i32, m0p: i32, m1p: i32, pc: i32, kc: i32, dst: usize): void {
  const rowBytes = (<usize>lda) << 2;
  for (let p = m0p; p < m1p; p++) {
    const m = p * MR;
    if (m + MR <= M) {
      const r0 = src + ((<usize>m * <usize>lda + <usize>pc) << 2);
      const r1 = r0 + rowBytes;
      const r2 = r1 + rowBytes;
      const r3 = r2 + rowBytes;
      let k = 0;
      // 4x4 transposes while four k fit.
      for (; k + 4 <= kc; k += 4) {
        const o = (<usize>k) << 2;
        const v0 = v128.load(r0 + o);
        const v1 = v128.load(r1 + o);
        const v2 = v128.load(r2 + o);
        const v3 = v128.load(r3 + o);
        const t0 = v128.shuffle<f32>(v0, v1, 0, 4, 1, 5);
        const t1 = v128.shuffle<f32>(v2, v3, 0, 4, 1, 5);
        const t2 = v128.shuffle<f32>(v0, v1, 2, 6, 3, 7);
        const t3 = v128.shuffle<f32>(v2, v3, 2, 6, 3, 7);
        v128.store(dst, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
        v128.store(dst, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), 16);
        v128.store(dst, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), 32);
        v128.store(dst, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), 48);
        dst += 64;
      }
      for (; k < kc; k++) {
        const o = (<usize>k) << 2;
        store<f32>(dst, load<f32>(r0 + o));
        store<f32>(dst, load<f32>(r1 + o), 4);
        store<f32>(dst, load<f32>(r2 + o), 8);
        store<f32>(dst, load<f32>(r3 + o), 12);
        dst += 16;
      }
    } else {
      for (let k = 0; k < kc; k++) {
        for (let i = 0; i < MR; i++) {
          const row = m + i;
          const v: f32 = row < M ? load<f32>(src + ((<usize>row * <usize>lda + <usize>(pc + k)) << 2)) : 0;
          store<f32>(dst + ((<usize>i) << 2), v);
        }
        dst += 16;
      }
    }
  }
}

/** B panels [p][kc][8] from row-major B[k][n] (columns past N are zeros). */
function packBRows(src: usize, ldb: i32, N: i32, n0p: i32, n1p: i32, pc: i32, kc: i32, dst: usize): void {
  const rowBytes = (<usize>ldb) << 2;
  for (let p = n0p; p < n1p; p++) {
    const n = p * NR;
    let s = src + ((<usize>pc * <usize>ldb + <usize>n) << 2);
    if (n + NR <= N) {
      for (let k = 0; k < kc; k++) {
        v128.store(dst, v128.load(s));
        v128.store(dst, v128.load(s, 16), 16);
        s += rowBytes;
        dst += 32;
      }
    } else {
      const cols = N - n;
      for (let k = 0; k < kc; k++) {
        for (let j = 0; j < NR; j++) {
          store<f32>(dst + ((<usize>j) << 2), j < cols ? load<f32>(s + ((<usize>j) << 2)) : <f32>0);
        }
        s += rowBytes;
        dst += 32;
      }
    }
  }
}

/** B panels [p][kc][8] from B[k][n] = src[n*ldb + k] (a transposed operand). */
function packBCols(src: usize, ldb: i32, N: i32, n0p: i32, n1p: i32, pc: i32, kc: i32, dst: usize): void {
  const colBytes = (<usize>ldb) << 2;
  for (let p = n0p; p < n1p; p++) {
    const n = p * NR;
    const s0 = src + ((<usize>n * <usize>ldb + <usize>pc) << 2);
    if (n + NR <= N) {
      let k = 0;
      // Two 4x4 transposes give four k-steps of an 8-wide panel.
      for (; k + 4 <= kc; k += 4) {
        const o = (<usize>k) << 2;
        for (let h = 0; h < 2; h++) {
          const r0 = s0 + <usize>(h * 4) * colBytes + o;
          const v0 = v128.load(r0);
          const v1 = v128.load(r0 + colBytes);
          const v2 = v128.load(r0 + 2 * colBytes);
          const v3 = v128.load(r0 + 3 * colBytes);
          const t0 = v128.shuffle<f32>(v0, v1, 0, 4, 1, 5);
          const t1 = v128.shuffle<f32>(v2, v3, 0, 4, 1, 5);
          const t2 = v128.shuffle<f32>(v0, v1, 2, 6, 3, 7);
          const t3 = v128.shuffle<f32>(v2, v3, 2, 6, 3, 7);
          const d = dst + ((<usize>h) << 4);
          v128.store(d, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
          v128.store(d, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), 32);
          v128.store(d, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), 64);
          v128.store(d, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), 96);
        }
        dst += 128;
      }
      for (; k < kc; k++) {
        const o = (<usize>k) << 2;
        for (let j = 0; j < NR; j++) {
          store<f32>(dst + ((<usize>j) << 2), load<f32>(s0 + <usize>j * colBytes + o));
        }
        dst += 32;
      }
    } else {
      const cols = N - n;
      for (let k = 0; k < kc; k++) {
        const o = (<usize>k) << 2;
        for (let j = 0; j < NR; j++) {
          store<f32>(dst + ((<usize>j) << 2), j < cols ? load<f32>(s0 + <usize>j * colBytes + o) : <f32>0);
        }
        dst += 32;
      }
    }
  }
}

/**
 * im2col fused into packing: B[k][n] with k = (ci, ky, kx) ascending and n = (oy, ox), read from an image
 * that the JS side has already zero-padded (so padded taps are real +0 inputs, and no bounds checks here).
 * The padded image carries >= 16 floats of slack after its end for the stride-2 vector path.
 */
function packIm2col(src: usize, N: i32, n0p: i32, n1p: i32, pc: i32, kc: i32, dst: usize, offs: usize): void {
  const Wp = gWp;
  const plane = gPlane;
  const kh = gKh;
  const kw = gKw;
  const s = gStride;
  const Wo = gWo;
  const khw = kh * kw;
  for (let p = n0p; p < n1p; p++) {
    const n0 = p * NR;
    const oy0 = n0 / Wo;
    const ox0 = n0 - oy0 * Wo;
    // mode 1: 8 contiguous pixels of one row, stride 1; mode 2: same with stride 2; mode 0: gather.
    let mode = 0;
    if (n0 + NR <= N && ox0 + NR <= Wo) mode = s == 1 ? 1 : s == 2 ? 2 : 0;
    // mode 3: rows of exactly 4 outputs (4x4 maps), stride 1: two 4-wide loads from consecutive rows.
    else if (n0 + NR <= N && Wo == 4 && ox0 == 0 && s == 1) mode = 3;
    const base = oy0 * s * Wp + ox0 * s;
    if (mode == 0) {
      for (let j = 0; j < NR; j++) {
        const nn = n0 + j;
        let o = -1;
        if (nn < N) {
          const oy = nn / Wo;
          const ox = nn - oy * Wo;
          o = oy * s * Wp + ox * s;
        }
        store<i32>(offs + ((<usize>j) << 2), o);
      }
    }
    const ci = pc / khw;
    const r = pc - ci * khw;
    let ky = r / kw;
    let kx = r - ky * kw;
    let koff = ci * plane + ky * Wp + kx;
    for (let k = 0; k < kc; k++) {
      if (mode == 1) {
        const sp = src + ((<usize>(koff + base)) << 2);
        v128.store(dst, v128.load(sp));
        v128.store(dst, v128.load(sp, 16), 16);
      } else if (mode == 2) {
        const sp = src + ((<usize>(koff + base)) << 2);
        const v0 = v128.load(sp);
        const v1 = v128.load(sp, 16);
        const v2 = v128.load(sp, 32);
        const v3 = v128.load(sp, 48);
        v128.store(dst, v128.shuffle<f32>(v0, v1, 0, 2, 4, 6));
        v128.store(dst, v128.shuffle<f32>(v2, v3, 0, 2, 4, 6), 16);
      } else if (mode == 3) {
        const sp = src + (<usize>(koff + base) << 2);
        v128.store(dst, v128.load(sp));
        v128.store(dst, v128.load(sp + (<usize>Wp << 2)), 16);
      } else {
        for (let j = 0; j < NR; j++) {
          const o = load<i32>(offs + ((<usize>j) << 2));
          store<f32>(dst + ((<usize>j) << 2), o >= 0 ? load<f32>(src + ((<usize>(koff + o)) << 2)) : <f32>0);
        }
      }
      dst += 32;
      kx++;
      koff++;
      if (kx == kw) {
        kx = 0;
        ky++;
        koff += Wp - kw;
        if (ky == kh) {
          ky = 0;
          koff += plane - kh * Wp;
        }
      }
    }
  }
}

/** Packs a row-major [M][K] matrix (conv weights as [Cout][Cin*kh*kw]) into A panels over the full K. */
export function packAPanels(src: usize, M: i32, K: i32, dst: usize): void {
  packARows(src, K, M, 0, (M + MR - 1) / MR, 0, K, dst);
}

/** Packs torch-layout linear weights [N][K] (B = Wᵀ) into B panels over the full K. */
export function packBPanelsFromCols(src: usize, N: i32, K: i32, dst: usize): void {
  packBCols(src, K, N, 0, (N + NR - 1) / NR, 0, K, dst);
}

// ---- softmax (R4, assembly/softmax.ts), attention (R3, assembly/attention.ts) and norms ----

const JOB_SOFTMAX: i32 = 2;
const JOB_NORM: i32 = 3;
const JOB_ATTENTION: i32 = 4;
const JOB_ATTENTION_PACK: i32 = 5;
const JOB_ACTIVATION: i32 = 6;
const JOB_GELU: i32 = 7;
const JOB_BINARY: i32 = 8;

// ---- groupNorm / layerNorm (R5) ----

/**
 * Norm job: `rows` spans of `count` float32 values; per span, f64 mean and biased variance in ascending
 * order (two passes), rstd = 1/sqrt(var + eps), y = f32(((x − mean)·rstd)·w + b) with w = 1, b = 0 when
 * absent. The affine index of element i of span r is (r % groups)·perGroup + i / stride.
 * Fields: 1 counter, 2 rows, 3 count, 4 x, 5 out, 6 weight (0 = none), 7 bias (0 = none), 8/9 eps (f64
 * low/high words), 10 groups, 11 perGroup, 12 stride, 13 rows per chunk.
 */
function normJob(d: usize): void {
  const counter = <usize>field(d, 1);
  const rows = field(d, 2);
  const count = field(d, 3);
  const x = <usize>field(d, 4);
  const out = <usize>field(d, 5);
  const weight = <usize>field(d, 6);
  const bias = <usize>field(d, 7);
  const eps = load<f64>(d + 32);
  const groups = field(d, 10);
  const perGroup = field(d, 11);
  const stride = field(d, 12);
  const chunk = field(d, 13);
  const chunks = (rows + chunk - 1) / chunk;
  const fc = <f64>count;
  while (true) {
    const idx = atomic.add<i32>(counter, 1);
    if (idx >= chunks) break;
    const r1 = min(rows, (idx + 1) * chunk);
    for (let r = idx * chunk; r < r1; r++) {
      const xs = x + ((<usize>r * <usize>count) << 2);
      const os = out + ((<usize>r * <usize>count) << 2);
      let sum: f64 = 0;
      for (let i = 0; i < count; i++) sum += <f64>load<f32>(xs + (<usize>i << 2));
      const mean = sum / fc;
      let sq: f64 = 0;
      for (let i = 0; i < count; i++) {
        const dv = <f64>load<f32>(xs + (<usize>i << 2)) - mean;
        sq += dv * dv;
      }
      const rstd = 1 / sqrt<f64>(sq / fc + eps);
      let a = (r % groups) * perGroup;
      let run = 0;
      for (let i = 0; i < count; i++) {
        const w: f64 = weight != 0 ? <f64>load<f32>(weight + (<usize>a << 2)) : 1;
        const b: f64 = bias != 0 ? <f64>load<f32>(bias + (<usize>a << 2)) : 0;
        store<f32>(os + (<usize>i << 2), <f32>(((<f64>load<f32>(xs + (<usize>i << 2)) - mean) * rstd) * w + b));
        if (++run == stride) {
          run = 0;
          a++;
        }
      }
    }
  }
}

/**
 * Zero-padded copy of `planes` float32 planes h x w into planes hp x wp with the image at (pt, pl), so
 * padded convolution taps read real +0 inputs.
 */
export function padPlanes(src: usize, dst: usize, planes: i32, h: i32, w: i32, hp: i32, wp: i32, pt: i32, pl: i32): void {
  const rowBytes = <usize>w << 2;
  memory.fill(dst, 0, (<usize>planes * <usize>hp * <usize>wp) << 2);
  for (let p = 0; p < planes; p++) {
    let s = src + ((<usize>p * <usize>h * <usize>w) << 2);
    let d = dst + ((<usize>p * <usize>hp * <usize>wp + <usize>pt * <usize>wp + <usize>pl) << 2);
    for (let y = 0; y < h; y++) {
      memory.copy(d, s, rowBytes);
      s += rowBytes;
      d += <usize>wp << 2;
    }
  }
}

/** dst[i] = exp(src[i]) for float64 arrays, pairs through exp64x2 (exported so tests can sweep it). */
export function expArray(src: usize, dst: usize, n: i32): void {
  let i = 0;
  for (; i + 2 <= n; i += 2) v128.store(dst + (<usize>i << 3), exp64x2(v128.load(src + (<usize>i << 3))));
  for (; i < n; i++) store<f64>(dst + (<usize>i << 3), exp64(load<f64>(src + (<usize>i << 3))));
}

/** dst[i] = exp(src[i]) through the softmax-domain two-lane exp (exported so tests can sweep it). */
export function expSoftmaxArray(src: usize, dst: usize, n: i32): void {
  let i = 0;
  for (; i + 2 <= n; i += 2) v128.store(dst + (<usize>i << 3), expSoftmax2(v128.load(src + (<usize>i << 3)), true));
  for (; i < n; i++) store<f64>(dst + (<usize>i << 3), exp64(load<f64>(src + (<usize>i << 3))));
}

/** Writes the kernels' constant tables into the reserved first page; the JS side calls it once. */
export function initKernelConstants(): usize {
  initExpTable();
  initErfTable();
  // exp's table must end where erf's begins (512 bytes in).
  return EXP_TABLE_BYTES <= 512 ? ERF_TABLE_END : 0;
}

export { widenF16 } from "./half";
