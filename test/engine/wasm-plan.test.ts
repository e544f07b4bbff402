import assert from "node:assert/strict";
import { test } from "node:test";
import { referenceBackend as ref, setNumThreads } from "../../src/engine/index.js";
import { planGemm } from "../../src/engine/wasm/gemm.js";
import { MR, NR, WS_PACK } from "../../src/engine/wasm/layout.js";
import { assertSameBits, randomTensor, wasmBackend } from "./wasm-helpers.js";

// [M, N, K, batch]: the 3x3 convs of a 32x32 UNet, Stable Diffusion sizes, attention shapes and small ones.
const SHAPES: [number, number, number, number][] = [
  [128, 1024, 1152, 1],
  [256, 256, 2304, 1],
  [256, 64, 4608, 1],
  [256, 16, 2304, 1],
  [320, 4096, 2880, 2],
  [1280, 64, 11520, 1],
  [1024, 77, 40, 16],
  [5, 7, 3, 1],
  [4, 8, 9, 1],
  [13, 300, 513, 3],
];

test("GEMM plans cover C exactly once, in equal K blocks of at most 512", () => {
  for (const [M, N, K, batch] of SHAPES) {
    for (const threads of [1, 2, 3, 4, 16]) {
      for (const aPacked of [true, false]) {
        const bPacked = !aPacked && N % 2 === 0;
        const p = planGemm(M, N, K, batch, threads, aPacked, bPacked);
        const what = `M ${M} N ${N} K ${K} batch ${batch} threads ${threads} aPacked ${aPacked}`;
        const mPanels = Math.ceil(M / MR);
        const nPanels = Math.ceil(N / NR);
        assert.ok(p.mChunks * p.mChunkPanels >= mPanels && (p.mChunks - 1) * p.mChunkPanels < mPanels, `${what}: M`);
        assert.ok(p.nChunks * p.nChunkPanels >= nPanels && (p.nChunks - 1) * p.nChunkPanels < nPanels, `${what}: N`);
        const blocks = Math.ceil(K / p.kc);
        assert.ok(p.kc <= 512 && p.kc >= 1, `${what}: kc ${p.kc}`);
        assert.ok(K - (blocks - 1) * p.kc > p.kc - blocks, `${what}: K blocks of ${p.kc} are not even`);
        const need =
          WS_PACK + (aPacked ? 0 : p.mChunkPanels * MR * p.kc * 4) + (bPacked ? 0 : p.nChunkPanels * NR * p.kc * 4);
        assert.ok(p.wsStride >= need, `${what}: workspace ${p.wsStride} < ${need}`);
      }
    }
  }
});

test("conv plans (pre-packed weights) split only N while there are N panels for every thread", () => {
  for (const [M, N, K, batch] of SHAPES) {
    for (const threads of [2, 3, 4]) {
      const p = planGemm(M, N, K, batch, threads, true, false);
      const what = `M ${M} N ${N} batch ${batch} threads ${threads}`;
      if (batch * Math.ceil(N / NR) >= threads) {
        assert.equal(p.mChunks, 1, what);
        assert.ok(batch * p.nChunks >= threads, `${what}: a thread gets no chunk`);
      }
    }
  }
});

test("wasm conv2d over three K blocks equals the reference bit for bit (1/2/3 threads)", () => {
  const wasm = wasmBackend();
  // K = 129 * 9 = 1161: three blocks of 387.
  const x = randomTensor([1, 129, 7, 9], 700);
  const weight = randomTensor([10, 129, 3, 3], 701);
  const bias = randomTensor([10], 702);
  const expected = ref.conv2d(x, weight, bias, { padding: 1 });
  for (const t of [1, 2, 3]) {
    setNumThreads(t);
    assertSameBits(wasm.conv2d(x, weight, bias, { padding: 1 }), expected, `conv2d K 1161, ${t} thread(s)`);
  }
});
