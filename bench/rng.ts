// Normals per second for a 1x4x64x64 float32 latent (the SD 1.x latent), one thread.
// Run: npm run bench rng
import { Generator } from "../src/rng/generator.js";
import { randn } from "../src/rng/random.js";

const SHAPE = [1, 4, 64, 64];
const PER_CALL = SHAPE.reduce((a, b) => a * b, 1);

function measure(label: string, dtype: "float32" | "float64", minMs: number): void {
  const generator = new Generator().manualSeed(0);
  for (let i = 0; i < 20; i++) randn(SHAPE, { generator, dtype }); // warm-up: let the JIT settle
  let calls = 0;
  let checksum = 0;
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < minMs) {
    const t = randn(SHAPE, { generator, dtype });
    checksum += t.data[calls % PER_CALL];
    calls++;
    elapsed = performance.now() - start;
  }
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const rate = (calls * PER_CALL) / (elapsed / 1000);
  const cpuRate = (calls * PER_CALL) / cpuSeconds;
  // On a shared machine wall time includes waiting for a core; the per-CPU-second figure does not.
  console.log(
    `${label}: ${(rate / 1e6).toFixed(2)} M normals/s wall, ${(cpuRate / 1e6).toFixed(2)} M per CPU-second ` +
      `(${calls} calls of ${PER_CALL}, ${(elapsed / calls).toFixed(3)} ms per latent; checksum ${checksum.toFixed(3)})`,
  );
}

measure("randn float32 1x4x64x64", "float32", 2000);
measure("randn float64 1x4x64x64", "float64", 1000);
