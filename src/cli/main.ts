#!/usr/bin/env node
// The `reprodiff` command line. Every failure ends as one line on stderr and a non-zero exit code
// (2 for bad arguments, 1 for anything else); REPRODIFF_DEBUG=1 adds the stack trace.
import { Command, CommanderError, Option } from "commander";
import { ManifestError } from "../provenance/manifest.js";
import { ProvenanceError } from "../provenance/png.js";
import { SCHEDULER_ALIASES } from "../schedulers/index.js";
import { nonNegativeNumber, oneOf, parseOutputTypes, parseSeed, parseSeedList, positiveInt } from "./args.js";
import { envReport, packageVersion } from "./env.js";
import { type GenerateCommandOptions, runGenerate, UsageError } from "./generate.js";
import { type InspectOptions, runInspect } from "./inspect.js";
import { type RecordCommandOptions, runRecord } from "./record.js";
import { type ReplayCommandOptions, runReplay } from "./replay.js";
import { runStableDiffusion, type StableDiffusionCommandOptions, stableDiffusionOptions } from "./stable-diffusion.js";
import { runVerify, type VerifyCommandOptions } from "./verify.js";

// The main job: Diffusers' own seed-0 DDIM samples of the bundled model (16 digits, 50 steps), as PNGs
// (each image and a 4x4 grid at 8x) and as the float array, in ./reprodiff-output.
const DEMO_ARGS = [
  "generate",
  "--batch",
  "16",
  "--scale",
  "8",
  "--output-type",
  "png,npy",
  "--out",
  "reprodiff-output",
];

function buildProgram(): Command {
  const program = new Command("reprodiff")
    .description("Reproducible diffusion-model inference: the same seed gives the same image on every machine.")
    .version(packageVersion(), "-V, --version")
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      // commander's own messages are already one line ("error: …"); keep them and drop the help dump.
      outputError: (str, write) => write(`reprodiff: ${str.trim().replace(/\s*\n\s*/g, " ")}\n`),
    });

  program
    .command("generate")
    .description("generate images (default model: the bundled 16x16 digits DDPM)")
    .argument("[model]", "pipeline folder or Hub repo id (default: the bundled model)")
    .addOption(new Option("--seed <n>", "seed of the generator (uint64)").argParser(parseSeed).default(0n, "0"))
    .addOption(
      new Option("--seeds <list>", "one generator per image, e.g. 0,1,2,3 (sets the batch size)").argParser(
        parseSeedList,
      ),
    )
    .addOption(
      new Option("--steps <n>", "inference steps (default 1000 for ddpm, 50 otherwise)").argParser(
        positiveInt("steps", 100000),
      ),
    )
    .addOption(
      new Option("--scheduler <name>", `scheduler: ${Object.keys(SCHEDULER_ALIASES).join(", ")}`)
        .argParser(oneOf("scheduler", Object.keys(SCHEDULER_ALIASES)))
        .default("ddim"),
    )
    .addOption(new Option("--eta <x>", "DDIM eta (0 = deterministic DDIM)").argParser(nonNegativeNumber("eta")))
    .addOption(new Option("--batch <n>", "number of images").argParser(positiveInt("batch", 4096)))
    .addOption(new Option("--out <path>", "output folder, or a .png (grid) / .npy file").default("reprodiff-output"))
    .addOption(
      new Option("--threads <n>", "engine threads (results are identical for any count)").argParser(
        positiveInt("threads", 256),
      ),
    )
    .addOption(new Option("--backend <name>", "compute backend, e.g. wasm or reference (same bytes on every one)"))
    .addOption(
      new Option("--output-type <types>", "png, npy (float32 NHWC in [0,1], np.load-able) or png,npy")
        .argParser(parseOutputTypes)
        .default(["png"], "png"),
    )
    .addOption(
      new Option("--scale <n>", "nearest-neighbour upscale factor for PNGs")
        .argParser(positiveInt("scale", 64))
        .default(1),
    )
    .addOption(new Option("--progress", "show the progress bar even when stderr is not a terminal"))
    .addOption(new Option("--no-progress", "never show the progress bar"))
    .addOption(new Option("--revision <rev>", "Hub revision (branch, tag or commit)"))
    .addOption(new Option("--variant <name>", "weights variant, e.g. fp16"))
    .addOption(new Option("--cache-dir <dir>", "Hugging Face cache folder"))
    .addOption(new Option("--offline", "never use the network (like HF_HUB_OFFLINE=1)"))
    .addOption(new Option("--token <token>", "Hub token (default: HF_TOKEN)"))
    .addOption(new Option("-q, --quiet", "print nothing but errors"))
    .action(async (model: string | undefined, opts: GenerateCommandOptions, cmd: Command) => {
      const sd = opts as GenerateCommandOptions & Partial<StableDiffusionCommandOptions>;
      // --prompt selects Stable Diffusion, which keeps the repository's scheduler unless --scheduler is given.
      const outcome =
        sd.prompt !== undefined
          ? await runStableDiffusion(model, {
              ...sd,
              prompt: sd.prompt,
              scheduler: cmd.getOptionValueSource("scheduler") === "default" ? undefined : sd.scheduler,
            })
          : await runGenerate(model, opts);
      if (!opts.quiet) {
        for (const f of outcome.files) process.stdout.write(`${f}\n`);
        const e = outcome.info.engine;
        process.stdout.write(
          `${outcome.info.pipeline} ${outcome.info.scheduler}, ${outcome.info.stepsRun} steps, batch ${outcome.info.batchSize}, ` +
            `abs sum ${outcome.absSum} (engine ${e.backend}, ${e.threads} thread${e.threads === 1 ? "" : "s"}, numerics v${e.numericsVersion})\n`,
        );
      }
    });

  const generate = program.commands.find((c) => c.name() === "generate");
  for (const option of stableDiffusionOptions()) generate?.addOption(option);

  program
    .command("inspect")
    .description("print the provenance record a reprodiff PNG carries")
    .argument("<png>", "a PNG written by reprodiff")
    .addOption(new Option("--json", "print the record as JSON"))
    .action(async (png: string, opts: InspectOptions) => {
      process.stdout.write(`${await runInspect(png, opts)}\n`);
    });

  const engineOptions = (cmd: Command): Command =>
    cmd
      .addOption(new Option("--backend <name>", "compute backend (default: the recorded one, if available)"))
      .addOption(new Option("--threads <n>", "engine threads").argParser(positiveInt("threads", 256)))
      .addOption(new Option("--cache-dir <dir>", "Hugging Face cache folder"))
      .addOption(new Option("--offline", "never use the network (like HF_HUB_OFFLINE=1)"))
      .addOption(new Option("--token <token>", "Hub token (default: HF_TOKEN)"));

  engineOptions(
    program
      .command("replay")
      .description("make a PNG's generation again from its provenance; exit 0 only if bit-identical")
      .argument("<png>", "a PNG written by reprodiff")
      .addOption(new Option("--model <folder>", "use this pipeline folder instead of the recorded model"))
      .addOption(
        new Option(
          "--npy <file>",
          "the original float output, for float differences (default: images.npy beside the PNG)",
        ),
      )
      .addOption(new Option("--json", "print the report as JSON")),
  ).action(async (png: string, opts: ReplayCommandOptions & { offline?: boolean }) => {
    const { text, ok } = await runReplay(png, opts);
    process.stdout.write(`${text}\n`);
    if (!ok) throw new CommandFailed();
  });

  engineOptions(
    program
      .command("verify")
      .description("run a golden manifest's cases; exit non-zero on any regression")
      .argument("<manifest>", "manifest JSON (see docs/PROVENANCE.md)")
      .addOption(
        new Option("--case <name...>", "only these cases").argParser((v: string, prev: string[] = []) => [...prev, v]),
      )
      .addOption(new Option("--strict", "keep bit-exact checks even across a numerics-version change"))
      .addOption(new Option("--json", "print the report as JSON")),
  ).action(async (manifest: string, opts: VerifyCommandOptions & { case?: string[] }) => {
    const { text, ok } = await runVerify(manifest, { ...opts, ...(opts.case ? { cases: opts.case } : {}) });
    process.stdout.write(`${text}\n`);
    if (!ok) throw new CommandFailed();
  });

  engineOptions(
    program
      .command("record")
      .description("run a manifest's cases and write it with expectations filled in from the runs")
      .argument("<cases>", "manifest JSON with cases (expectations optional)")
      .addOption(new Option("--out <file>", "where to write the manifest (default: overwrite the input)"))
      .addOption(new Option("--npy-dir <dir>", "also save each output as .npy and expect it within 1e-4"))
      .addOption(
        new Option("--case <name...>", "only re-record these cases").argParser((v: string, prev: string[] = []) => [
          ...prev,
          v,
        ]),
      ),
  ).action(async (input: string, opts: RecordCommandOptions & { case?: string[] }) => {
    process.stdout.write(`${await runRecord(input, { ...opts, ...(opts.case ? { cases: opts.case } : {}) })}\n`);
  });

  program
    .command("env")
    .description("print versions, engine backend and threads, and the Hub cache location")
    .action(() => {
      process.stdout.write(`${envReport()}\n`);
    });
  return program;
}

/** A command that ran and reported a negative result (replay differs, verify failed): exit code 1, no extra message. */
class CommandFailed extends Error {}

async function main(argv: string[]): Promise<number> {
  // With no arguments the command does its main job: generate the bundled model's digits.
  const args = argv.length === 0 ? DEMO_ARGS : argv;
  if (argv.length === 0) process.stdout.write(`reprodiff ${DEMO_ARGS.join(" ")}\n`);
  try {
    await buildProgram().parseAsync(args, { from: "user" });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version requests exit 0; commander has printed its message already.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof CommandFailed) return 1;
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`reprodiff: error: ${message.split("\n")[0]}\n`);
    if (process.env.REPRODIFF_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    const badInput =
      err instanceof UsageError ||
      err instanceof RangeError ||
      err instanceof TypeError ||
      err instanceof ProvenanceError ||
      err instanceof ManifestError;
    return badInput ? 2 : 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
