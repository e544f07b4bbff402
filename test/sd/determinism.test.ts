// The same Stable Diffusion call gives the same bits on the reference backend and on the wasm backend with
// 1 and 2 threads (NUMERICS.md's contract, exercised through the text encoder, UNet, VAE and guidance).

import assert from "node:assert/strict";
import { after, test } from "node:test";
import { getBackend, getNumThreads, listBackends, setBackend, setNumThreads } from "../../src/engine/index.js";
import type { WasmBackend } from "../../src/engine/wasm/backend.js";
import { StableDiffusionPipeline } from "../../src/pipelines/stable-diffusion.js";
import { Generator } from "../../src/rng/index.js";
import type { Tensor } from "../../src/tensor/tensor.js";
import { fixturePath } from "../helpers/fixtures.js";

const previous = { backend: getBackend(), threads: getNumThreads() };
after(() => {
  setBackend(previous.backend);
  setNumThreads(previous.threads);
});

function sameBits(a: Tensor, b: Tensor, what: string): void {
  assert.deepEqual(a.shape, b.shape, `${what}: shape`);
  const x = new Uint32Array((a.data as Float32Array).buffer.slice(0));
  const y = new Uint32Array((b.data as Float32Array).buffer.slice(0));
  const i = x.findIndex((v, k) => v !== y[k]);
  assert.equal(i, -1, `${what}: first differing element ${i}`);
}

test("StableDiffusionPipeline: bit-identical on reference, wasm 1 thread and wasm 2 threads", {
  skip: !listBackends().includes("wasm"),
}, async () => {
  const pipe = await StableDiffusionPipeline.fromPretrained(fixturePath("sd", "tiny-sd-pipe"));
  const run = () =>
    pipe.generate({
      prompt: "a photo of an astronaut riding a horse",
      negativePrompt: "blurry",
      guidanceScale: 7.5,
      numInferenceSteps: 1,
      height: 64,
      width: 64,
      generator: new Generator().manualSeed(0),
      outputType: "np",
    });
  setBackend("reference");
  const reference = (await run()).images;
  setBackend("wasm");
  const wasm = getBackend() as WasmBackend;
  // A pool worker that wakes after the caller has claimed every chunk of a small op leaves it alone, so
  // which threads ran the *last* op is timing; record the most threads that took part in any conv instead.
  const conv2d = wasm.conv2d;
  let most = 0;
  wasm.conv2d = (...args) => {
    const out = conv2d.apply(wasm, args);
    most = Math.max(most, wasm.lastThreads);
    return out;
  };
  try {
    for (const threads of [1, 2]) {
      setNumThreads(threads);
      most = 0;
      const { images, info } = await run();
      assert.equal(info.engine.backend, "wasm");
      assert.equal(most, threads, "the requested threads took part");
      sameBits(images, reference, `wasm ${threads} thread(s) vs reference`);
    }
  } finally {
    wasm.conv2d = conv2d;
  }
});
