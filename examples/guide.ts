// The first example of Diffusers' "reproducible pipelines" guide, in TypeScript.
// Build and run from the repository root:
//   npm run build && npx tsc -p examples && node examples/dist/guide.js [model]
// `model` defaults to google/ddpm-cifar10-32 (downloaded once into the Hugging Face cache); pass a local
// pipeline folder to run offline, e.g. test/fixtures/pipelines/ddpm-cifar10-mini.
import { absSum, DDIMPipeline, manualSeed } from "reprodiff";

const model = process.argv[2] ?? "google/ddpm-cifar10-32";

const ddim = await DDIMPipeline.fromPretrained(model);
const generator = manualSeed(0);
const { images } = await ddim.generate({ numInferenceSteps: 2, outputType: "np", generator });
console.log(absSum(images));
