// Milliseconds per scaleModelInput + step on a 1x4x64x64 float32 latent (the SD 1.x latent), one thread,
// for each scheduler over 25-step runs (setTimesteps included once per run; the stand-in model is 0.3 * input).
// Run: npm run bench schedulers
import { Generator } from "../src/rng/generator.js";
import { randnTensor } from "../src/rng/randn-tensor.js";
import { SCHEDULERS } from "../src/schedulers/registry.js";
import { Tensor } from "../src/tensor/index.js";

const SHAPE = [1, 4, 64, 64];
const SD = { beta_schedule: "scaled_linear", beta_start: 0.00085, beta_end: 0.012 };
const K = Math.fround(0.3);
const latent = randnTensor(SHAPE, { generator: new Generator().manualSeed(0) }).data as Float32Array;

function scaled(data: Float32Array, k: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let i = 0; i < out.length; i++) out[i] = data[i] * k;
  return out;
}

for (const [name, cls] of Object.entries(SCHEDULERS)) {
  const s = new cls(SD);
  let steps = 0;
  let checksum = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < 1500) {
    s.setTimesteps(25);
    const g = new Generator().manualSeed(1);
    let x = Tensor.from(scaled(latent, Math.fround(s.initNoiseSigma)), SHAPE);
    for (const t of s.timesteps) {
      const input = s.scaleModelInput(x, t).data as Float32Array;
      x = s.step(Tensor.from(scaled(input, K), SHAPE), t, x, { generator: g }).prevSample;
      steps++;
    }
    checksum += x.data[0] as number;
    elapsed = performance.now() - start;
  }
  console.log(`${name}: ${(elapsed / steps).toFixed(3)} ms per step (${steps} steps; checksum ${checksum.toFixed(4)})`);
}
