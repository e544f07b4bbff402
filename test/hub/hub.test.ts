// The Hub client against a local mock Hub: downloads, the Python-compatible cache, offline use,
// revisions, variants, interrupted and corrupted transfers, pickle refusal, tokens and endpoints.
import assert from "node:assert/strict";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import {
  CorruptDownloadError,
  type HubOptions,
  hubDownloadFile,
  hubTryDownloadFile,
  LocalEntryNotFoundError,
  PickleOnlyRepositoryError,
  type ProgressEvent,
  RepositoryNotFoundError,
  resolveModel,
  resolveModelFiles,
  resolvePipelineFiles,
  snapshotDownload,
} from "../../src/hub/index.js";
import { serializeSafetensors } from "../../src/io/safetensors.js";
import { SafetensorsFile } from "../../src/io/safetensors-file.node.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { bytes, gitSha1, type MockFile, MockHub, sha256, text } from "./mock-hub.js";

const C1 = "1".repeat(40);
const C2 = "2".repeat(40);
const tmp = mkdtempSync(join(tmpdir(), "reprodiff-hub-"));
let hub: MockHub;
let counter = 0;

const weights = (value: number): MockFile => ({
  content: serializeSafetensors(
    { "conv.weight": Tensor.from(new Float32Array(25_000).fill(value), [25_000]) },
    { format: "pt" },
  ),
  lfs: true,
});
const modelIndex = text(
  JSON.stringify({
    _class_name: "DDPMPipeline",
    _diffusers_version: "0.31.0",
    scheduler: ["diffusers", "DDPMScheduler"],
    unet: ["diffusers", "UNet2DModel"],
    safety_checker: [null, null],
  }),
);
const pipelineFiles = (configText: string, weightValue: number): Record<string, MockFile> => ({
  "model_index.json": modelIndex,
  "README.md": text("# tiny pipe\n"),
  ".gitattributes": text("*.safetensors filter=lfs\n"),
  "scheduler/scheduler_config.json": text('{"_class_name": "DDPMScheduler", "num_train_timesteps": 1000}'),
  "unet/config.json": text(configText),
  "unet/diffusion_pytorch_model.safetensors": weights(weightValue),
  "unet/diffusion_pytorch_model.fp16.safetensors": { content: bytes(30_000, 7), lfs: true },
  "unet/diffusion_pytorch_model.bin": { content: bytes(20_000, 9), lfs: true },
  "v1-pruned.ckpt": { content: bytes(50_000, 11), lfs: true },
});

before(async () => {
  hub = await new MockHub().start();
  hub.repos.set("org/tiny-pipe", {
    commits: { [C1]: pipelineFiles('{"sample_size": 8}', 1), [C2]: pipelineFiles('{"sample_size": 32}', 2) },
    refs: { main: C2, v1: C1 },
  });
  hub.repos.set("org/pickle-pipe", {
    commits: {
      [C1]: {
        "model_index.json": modelIndex,
        "scheduler/scheduler_config.json": text("{}"),
        "unet/config.json": text("{}"),
        "unet/diffusion_pytorch_model.bin": { content: bytes(1000, 3), lfs: true },
      },
    },
    refs: { main: C1 },
  });
  hub.repos.set("org/private-unet", {
    commits: {
      [C1]: {
        "config.json": text('{"_class_name": "UNet2DModel"}'),
        "diffusion_pytorch_model.safetensors": weights(5),
      },
    },
    refs: { main: C1 },
    token: "hf_secret",
  });
  hub.repos.set("org/big", {
    commits: {
      [C1]: {
        "config.json": text("{}"),
        "diffusion_pytorch_model.safetensors": { content: bytes(200_000, 21), lfs: true },
      },
    },
    refs: { main: C1 },
  });
});

after(async () => {
  await hub.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** A fresh cache and an environment that cannot see the machine's real HF_* settings or ~/.cache. */
function fresh(extra: HubOptions = {}): HubOptions & { cacheDir: string } {
  const dir = join(tmp, `case${counter++}`);
  mkdirSync(dir);
  return {
    cacheDir: join(dir, "hub"),
    endpoint: hub.endpoint,
    env: { HF_HOME: join(dir, "home") },
    retryDelayMs: 10,
    ...extra,
  };
}

const storage = (cacheDir: string, repo: string) => join(cacheDir, `models--${repo.replace("/", "--")}`);
const hubFile = (repo: string, commit: string, path: string) => hub.repos.get(repo)!.commits[commit][path].content;

test("fresh download: only the pipeline's files, laid out exactly like huggingface_hub's cache", async () => {
  const opts = fresh();
  const before = hub.log.length;
  const events: ProgressEvent[] = [];
  const resolved = await resolvePipelineFiles("org/tiny-pipe", { ...opts, progress: (e) => events.push(e) });
  assert.equal(resolved.source, "hub");
  assert.equal(resolved.commit, C2);
  assert.deepEqual(resolved.files, [
    "model_index.json",
    "scheduler/scheduler_config.json",
    "unet/config.json",
    "unet/diffusion_pytorch_model.safetensors",
  ]);
  const st = storage(opts.cacheDir, "org/tiny-pipe");
  assert.equal(resolved.path, join(st, "snapshots", C2));
  assert.equal(readFileSync(join(st, "refs", "main"), "utf8"), C2, "refs/main holds the bare commit hash");
  // Relative symlinks into blobs/, named by sha256 (LFS) or git blob sha1 (regular files).
  const weightsSum = sha256(hubFile("org/tiny-pipe", C2, "unet/diffusion_pytorch_model.safetensors"));
  const link = join(resolved.path, "unet", "diffusion_pytorch_model.safetensors");
  assert.ok(lstatSync(link).isSymbolicLink());
  assert.equal(readlinkSync(link), `../../../blobs/${weightsSum}`);
  assert.equal(readlinkSync(join(resolved.path, "model_index.json")), `../../blobs/${gitSha1(modelIndex.content)}`);
  assert.deepEqual(
    readdirSync(join(st, "blobs")).sort(),
    [
      weightsSum,
      gitSha1(modelIndex.content),
      gitSha1(hubFile("org/tiny-pipe", C2, "scheduler/scheduler_config.json")),
      gitSha1(hubFile("org/tiny-pipe", C2, "unet/config.json")),
    ].sort(),
  );
  assert.ok(
    existsSync(join(st, "trees", `${C2}.json`)),
    "the commit's listing is cached (huggingface_hub's trees/ format)",
  );
  // The weights are a real safetensors file, readable lazily straight from the cache.
  const file = await SafetensorsFile.open(link);
  assert.equal((await file.float32("conv.weight")).data[123], 2);
  await file.close();
  // Nothing unneeded was requested: no .bin, no fp16, no .ckpt, no README.
  const urls = hub.log.slice(before).map((r) => r.url);
  for (const unwanted of [".bin", "fp16", ".ckpt", "README"])
    assert.ok(!urls.some((u) => u.includes(unwanted)), `${unwanted} requested`);
  // Progress: per file, and overall for the files the snapshot fetched (the three besides model_index.json).
  const last = events.at(-1)!;
  const fetched = resolved.files.slice(1).reduce((n, f) => n + hubFile("org/tiny-pipe", C2, f).length, 0);
  assert.equal(last.overallTotal, fetched);
  assert.equal(last.overallDownloaded, fetched);
  assert.ok(events.some((e) => e.file === "unet/diffusion_pytorch_model.safetensors" && e.done));
});

test("cached re-use makes no requests at all", async () => {
  const opts = fresh();
  await resolvePipelineFiles("org/tiny-pipe", opts);
  const before = hub.log.length;
  const again = await resolvePipelineFiles("org/tiny-pipe", opts);
  assert.equal(hub.log.length, before, "no request on a cache hit");
  assert.equal(again.source, "cache");
  assert.equal(again.commit, C2);
  // checkForUpdates asks the Hub where main points, and downloads nothing new.
  const checked = await resolvePipelineFiles("org/tiny-pipe", { ...opts, checkForUpdates: true });
  assert.equal(checked.commit, C2);
  assert.ok(hub.log.slice(before).every((r) => r.server === "hub" && (r.method === "HEAD" || r.url.includes("/api/"))));
});

test("offline: HF_HUB_OFFLINE or localFilesOnly resolve refs/<revision> from the cache, with no network", async () => {
  const opts = fresh();
  await resolvePipelineFiles("org/tiny-pipe", opts);
  const before = hub.log.length;
  const dead = "http://127.0.0.1:9"; // nothing listens there
  const viaEnv = await resolvePipelineFiles("org/tiny-pipe", {
    ...opts,
    endpoint: dead,
    checkForUpdates: true,
    env: { ...opts.env, HF_HUB_OFFLINE: "1" },
  });
  assert.equal(viaEnv.source, "cache");
  assert.equal(viaEnv.commit, C2);
  const viaOption = await resolveModelFiles("org/tiny-pipe", {
    ...opts,
    endpoint: dead,
    localFilesOnly: true,
    subfolder: "unet",
  });
  assert.deepEqual(viaOption.files, ["unet/config.json", "unet/diffusion_pytorch_model.safetensors"]);
  assert.equal(hub.log.length, before);
  // Something never downloaded is a clear error, not a network attempt.
  await assert.rejects(
    resolveModelFiles("org/tiny-pipe", { ...opts, localFilesOnly: true, subfolder: "unet", variant: "fp16" }),
    (e: Error) => {
      assert.ok(e instanceof LocalEntryNotFoundError, String(e));
      assert.match(e.message, /lacks unet\/diffusion_pytorch_model\.fp16\.safetensors.*offline/s);
      return true;
    },
  );
  await assert.rejects(
    resolvePipelineFiles("org/other", { ...fresh(), env: { HF_HUB_OFFLINE: "true", HF_HOME: tmp } }),
    /not in the cache .* run once online/,
  );
  assert.equal(hub.log.length, before);
});

test("a revision pinned by commit hash (and a tag) gets that commit's files", async () => {
  const opts = fresh();
  const pinned = await resolveModelFiles("org/tiny-pipe", { ...opts, subfolder: "unet", revision: C1 });
  assert.equal(pinned.commit, C1);
  assert.equal(readFileSync(join(pinned.path, "unet/config.json"), "utf8"), '{"sample_size": 8}');
  assert.ok(
    !existsSync(join(storage(opts.cacheDir, "org/tiny-pipe"), "refs", "main")),
    "a commit revision writes no ref",
  );
  const tag = await resolveModelFiles("org/tiny-pipe", { ...opts, subfolder: "unet", revision: "v1" });
  assert.equal(tag.path, pinned.path);
  assert.equal(readFileSync(join(storage(opts.cacheDir, "org/tiny-pipe"), "refs", "v1"), "utf8"), C1);
  const before = hub.log.length;
  const offline = await resolveModelFiles("org/tiny-pipe", {
    ...opts,
    subfolder: "unet",
    revision: C1,
    localFilesOnly: true,
  });
  assert.equal(offline.path, pinned.path);
  const main = await resolveModelFiles("org/tiny-pipe", { ...opts, subfolder: "unet" });
  assert.equal(main.commit, C2);
  assert.equal(readFileSync(join(main.path, "unet/config.json"), "utf8"), '{"sample_size": 32}');
  assert.ok(hub.log.length > before);
});

test("variant: fp16 weights are chosen; a single model without the variant is an error", async () => {
  const opts = fresh();
  const fp16 = await resolvePipelineFiles("org/tiny-pipe", { ...opts, variant: "fp16" });
  assert.ok(fp16.files.includes("unet/diffusion_pytorch_model.fp16.safetensors"));
  assert.ok(!fp16.files.includes("unet/diffusion_pytorch_model.safetensors"));
  assert.equal(
    sha256(readFileSync(join(fp16.path, "unet/diffusion_pytorch_model.fp16.safetensors"))),
    sha256(hubFile("org/tiny-pipe", C2, "unet/diffusion_pytorch_model.fp16.safetensors")),
  );
  await assert.rejects(
    resolveModelFiles("org/big", { ...opts, variant: "fp16" }),
    /org\/big has no safetensors weights for variant "fp16"; available: the default weights/,
  );
});

test("an interrupted download resumes with a Range request, within a run and across runs", async () => {
  const opts = fresh();
  const content = hubFile("org/big", C1, "diffusion_pytorch_model.safetensors");
  const sum = sha256(content);
  hub.cutOnce.set(sum, 70_000);
  const before = hub.log.length;
  const resolved = await resolveModelFiles("org/big", opts);
  assert.equal(sha256(readFileSync(join(resolved.path, "diffusion_pytorch_model.safetensors"))), sum);
  const cdn = hub.log.slice(before).filter((r) => r.server === "cdn");
  assert.equal(cdn.length, 2);
  assert.equal(cdn[0].range, undefined);
  assert.match(cdn[1].range ?? "", /^bytes=\d+-$/);
  assert.ok(Number(/\d+/.exec(cdn[1].range!)![0]) >= 65_536, "resumed past what had arrived");
  // A partial file left by a killed process is continued too.
  const opts2 = fresh();
  const blobs = join(storage(opts2.cacheDir, "org/big"), "blobs");
  mkdirSync(blobs, { recursive: true });
  writeFileSync(join(blobs, `${sum}.reprodiff.incomplete`), content.subarray(0, 123_456));
  const before2 = hub.log.length;
  const again = await resolveModelFiles("org/big", opts2);
  assert.equal(sha256(readFileSync(join(again.path, "diffusion_pytorch_model.safetensors"))), sum);
  assert.deepEqual(
    hub.log
      .slice(before2)
      .filter((r) => r.server === "cdn")
      .map((r) => r.range),
    ["bytes=123456-"],
  );
  assert.ok(!existsSync(join(blobs, `${sum}.reprodiff.incomplete`)));
});

test("an aborted download stops cleanly and the next run resumes it", async () => {
  const opts = fresh();
  const sum = sha256(hubFile("org/big", C1, "diffusion_pytorch_model.safetensors"));
  const controller = new AbortController();
  hub.slowMs = 3;
  try {
    await assert.rejects(
      resolveModelFiles("org/big", {
        ...opts,
        signal: controller.signal,
        progress: (e) => {
          if (e.downloaded > 20_000) controller.abort();
        },
      }),
      (e: Error) => e.name === "AbortError",
    );
  } finally {
    hub.slowMs = 0;
  }
  const partial = join(storage(opts.cacheDir, "org/big"), "blobs", `${sum}.reprodiff.incomplete`);
  assert.ok(existsSync(partial), "the partial download is kept for resuming");
  const before = hub.log.length;
  await resolveModelFiles("org/big", opts);
  assert.match(hub.log.slice(before).find((r) => r.server === "cdn")?.range ?? "", /^bytes=[1-9]\d*-$/);
});

test("two loaders at once (same process) fetch each blob once and both succeed", async () => {
  const opts = fresh();
  hub.slowMs = 2;
  try {
    const before = hub.log.length;
    const [a, b] = await Promise.all([resolveModelFiles("org/big", opts), resolveModelFiles("org/big", opts)]);
    assert.equal(a.path, b.path);
    const cdn = hub.log.slice(before).filter((r) => r.server === "cdn");
    assert.equal(cdn.length, 1, "the second loader waited for the first instead of downloading again");
    assert.equal(
      sha256(readFileSync(join(a.path, "diffusion_pytorch_model.safetensors"))),
      sha256(hubFile("org/big", C1, "diffusion_pytorch_model.safetensors")),
    );
  } finally {
    hub.slowMs = 0;
  }
});

test("two loader processes at once share one download and both succeed", async () => {
  const opts = fresh();
  const { execFile } = await import("node:child_process");
  const { promisify } = await import("node:util");
  const script = `
    const { resolveModelFiles } = await import(process.argv[1]);
    const r = await resolveModelFiles("org/big", { cacheDir: process.argv[2], endpoint: process.argv[3], env: { HF_HOME: process.argv[4] }, retryDelayMs: 10 });
    process.stdout.write(r.path);`;
  const args = [
    new URL("../../src/hub/index.js", import.meta.url).href,
    opts.cacheDir,
    hub.endpoint,
    opts.env!.HF_HOME!,
  ];
  hub.slowMs = 4;
  const before = hub.log.length;
  try {
    const run = () =>
      promisify(execFile)(process.execPath, ["--input-type=module", "-e", script, ...args], { timeout: 30_000 });
    const [a, b] = await Promise.all([run(), run()]);
    assert.equal(a.stdout, b.stdout);
    assert.equal(
      sha256(readFileSync(join(a.stdout, "diffusion_pytorch_model.safetensors"))),
      sha256(hubFile("org/big", C1, "diffusion_pytorch_model.safetensors")),
    );
  } finally {
    hub.slowMs = 0;
  }
  assert.equal(hub.log.slice(before).filter((r) => r.server === "cdn").length, 1, "the blob was downloaded once");
  const blobs = readdirSync(join(storage(opts.cacheDir, "org/big"), "blobs"));
  assert.ok(!blobs.some((f) => f.endsWith(".incomplete")), blobs.join());
});

test("a corrupted download is detected by its sha256 and leaves nothing in the cache", async () => {
  const opts = fresh();
  const sum = sha256(hubFile("org/big", C1, "diffusion_pytorch_model.safetensors"));
  hub.corrupt.add(sum);
  try {
    await assert.rejects(resolveModelFiles("org/big", opts), (e: Error) => {
      assert.ok(e instanceof CorruptDownloadError, String(e));
      assert.match(
        e.message,
        new RegExp(
          `diffusion_pytorch_model\\.safetensors: sha256 of the downloaded file is [0-9a-f]{64}, the Hub reports ${sum}`,
        ),
      );
      return true;
    });
  } finally {
    hub.corrupt.delete(sum);
  }
  const st = storage(opts.cacheDir, "org/big");
  assert.deepEqual(
    readdirSync(join(st, "blobs")).filter((f) => f.startsWith(sum)),
    [],
  );
  assert.ok(!existsSync(join(st, "snapshots", C1, "diffusion_pytorch_model.safetensors")));
  // The next attempt (the server fixed) succeeds.
  const ok = await resolveModelFiles("org/big", opts);
  assert.equal(sha256(readFileSync(join(ok.path, "diffusion_pytorch_model.safetensors"))), sum);
});

test("a repository with only .bin weights is refused with conversion instructions", async () => {
  const opts = fresh();
  const before = hub.log.length;
  await assert.rejects(resolvePipelineFiles("org/pickle-pipe", opts), (e: Error) => {
    assert.ok(e instanceof PickleOnlyRepositoryError, String(e));
    assert.match(e.message, /org\/pickle-pipe\/unet has no safetensors weights/);
    assert.match(e.message, /safe_serialization=True/);
    return true;
  });
  assert.ok(!hub.log.slice(before).some((r) => r.url.endsWith(".bin")), "the pickle file is never downloaded");
});

test("HF_ENDPOINT and HF_TOKEN are honoured; the token never goes to the CDN", async () => {
  const opts = fresh();
  const { endpoint: _endpoint, ...noEndpoint } = opts;
  const before = hub.log.length;
  const resolved = await resolveModelFiles("org/private-unet", {
    ...noEndpoint,
    env: { ...opts.env, HF_ENDPOINT: `${hub.endpoint}/`, HF_TOKEN: "hf_secret" },
  });
  assert.equal(resolved.commit, C1);
  const log = hub.log.slice(before);
  assert.ok(log.filter((r) => r.server === "hub").every((r) => r.authorization === "Bearer hf_secret"));
  assert.ok(log.filter((r) => r.server === "cdn").every((r) => r.authorization === undefined));
  await assert.rejects(resolveModelFiles("org/private-unet", { ...fresh(), token: "hf_wrong" }), (e: Error) => {
    assert.ok(e instanceof RepositoryNotFoundError, String(e));
    assert.match(e.message, /repository not found, or private and no valid token was sent/);
    return true;
  });
  // The token file written by `huggingface-cli login` is used too.
  const withFile = fresh();
  mkdirSync(withFile.env!.HF_HOME!, { recursive: true });
  writeFileSync(join(withFile.env!.HF_HOME!, "token"), "hf_secret\n");
  assert.equal((await resolveModelFiles("org/private-unet", withFile)).commit, C1);
});

test("a missing file is remembered in .no_exist and answered offline", async () => {
  const opts = fresh();
  assert.equal(await hubTryDownloadFile("org/big", "model_index.json", opts), null);
  const st = storage(opts.cacheDir, "org/big");
  assert.ok(existsSync(join(st, ".no_exist", C1, "model_index.json")));
  assert.equal(readFileSync(join(st, "refs", "main"), "utf8"), C1);
  const before = hub.log.length;
  assert.equal(await hubTryDownloadFile("org/big", "model_index.json", { ...opts, localFilesOnly: true }), null);
  assert.equal(hub.log.length, before);
  await assert.rejects(
    resolvePipelineFiles("org/big", opts),
    /org\/big has no model_index\.json: not a Diffusers pipeline/,
  );
  const config = await hubDownloadFile("org/big", "config.json", opts);
  assert.equal(readFileSync(config, "utf8"), "{}");
});

test("single-file download of an LFS file follows the CDN redirect and names the blob by its sha256", async () => {
  const opts = fresh({ token: "hf_any" });
  const content = hubFile("org/big", C1, "diffusion_pytorch_model.safetensors");
  const before = hub.log.length;
  const path = await hubDownloadFile("org/big", "diffusion_pytorch_model.safetensors", opts);
  assert.equal(readlinkSync(path), `../../blobs/${sha256(content)}`);
  assert.equal(sha256(readFileSync(path)), sha256(content));
  const log = hub.log.slice(before);
  assert.deepEqual(
    log.map((r) => `${r.server} ${r.method}`),
    ["hub HEAD", "cdn GET"],
  );
  assert.equal(log[0].authorization, "Bearer hf_any");
  assert.equal(log[1].authorization, undefined, "the token is not sent to another origin");
  await assert.rejects(hubDownloadFile("org/big", "nope.txt", opts), /org\/big@main: nope\.txt does not exist/);
  hub.corrupt.add(sha256(content));
  try {
    await assert.rejects(
      hubDownloadFile("org/big", "diffusion_pytorch_model.safetensors", fresh()),
      CorruptDownloadError,
    );
  } finally {
    hub.corrupt.delete(sha256(content));
  }
});

test("a cache laid out by hand exactly as Python's huggingface_hub writes it is read offline", async () => {
  const cacheDir = join(tmp, "python-cache", "hub");
  const st = join(cacheDir, "models--google--ddpm-tiny");
  const commit = "16ad61fe82b762ff20c1e48dd3b2c0673b2e099d";
  const config = '{"_class_name": "UNet2DModel"}';
  const w = weights(3).content;
  const configSha = gitSha1(new TextEncoder().encode(config));
  mkdirSync(join(st, "blobs"), { recursive: true });
  mkdirSync(join(st, "refs"), { recursive: true });
  mkdirSync(join(st, "snapshots", commit, "unet"), { recursive: true });
  mkdirSync(join(st, ".no_exist", commit), { recursive: true });
  writeFileSync(join(st, "refs", "main"), commit);
  writeFileSync(join(st, "blobs", configSha), config);
  writeFileSync(join(st, "blobs", sha256(w)), w);
  writeFileSync(join(st, ".no_exist", commit, "model_index.json"), "");
  const { symlinkSync } = await import("node:fs");
  symlinkSync(`../../../blobs/${configSha}`, join(st, "snapshots", commit, "unet", "config.json"));
  symlinkSync(
    `../../../blobs/${sha256(w)}`,
    join(st, "snapshots", commit, "unet", "diffusion_pytorch_model.safetensors"),
  );
  const env = { HF_HUB_CACHE: cacheDir, HF_HUB_OFFLINE: "1", HF_HOME: join(tmp, "python-cache") };
  const resolved = await resolveModelFiles("google/ddpm-tiny", { env, subfolder: "unet" });
  assert.equal(resolved.source, "cache");
  assert.equal(resolved.path, join(st, "snapshots", commit));
  const file = await SafetensorsFile.open(join(resolved.path, "unet", "diffusion_pytorch_model.safetensors"));
  assert.equal((await file.float32("conv.weight")).data[0], 3);
  await file.close();
  assert.equal(await hubTryDownloadFile("google/ddpm-tiny", "model_index.json", { env }), null);
  // $HF_HOME/hub is the default when HF_HUB_CACHE is unset.
  const viaHome = await resolveModelFiles("google/ddpm-tiny", {
    env: { HF_HOME: join(tmp, "python-cache"), HF_HUB_OFFLINE: "1" },
    subfolder: "unet",
  });
  assert.equal(viaHome.path, resolved.path);
});

test("a local folder is used as is, offline, and checked like a repository", async () => {
  const folder = join(tmp, "local-pipe");
  mkdirSync(join(folder, "unet"), { recursive: true });
  mkdirSync(join(folder, "scheduler"), { recursive: true });
  writeFileSync(join(folder, "model_index.json"), modelIndex.content);
  writeFileSync(join(folder, "scheduler", "scheduler_config.json"), "{}");
  writeFileSync(join(folder, "unet", "config.json"), "{}");
  writeFileSync(join(folder, "unet", "diffusion_pytorch_model.bin"), "x");
  const before = hub.log.length;
  await assert.rejects(resolvePipelineFiles(folder, { endpoint: "http://127.0.0.1:9" }), PickleOnlyRepositoryError);
  writeFileSync(join(folder, "unet", "diffusion_pytorch_model.safetensors"), weights(1).content);
  const resolved = await resolvePipelineFiles(folder, { endpoint: "http://127.0.0.1:9" });
  assert.equal(resolved.source, "local");
  assert.equal(resolved.path, folder);
  assert.ok(resolved.files.includes("unet/diffusion_pytorch_model.safetensors"));
  assert.equal(hub.log.length, before);
  await assert.rejects(resolveModel("./no/such/folder", {}), /no such folder/);
  await assert.rejects(
    resolveModel("bad--repo", { endpoint: "http://127.0.0.1:9" }),
    /neither an existing folder nor a valid Hub repository id/,
  );
});

test("snapshotDownload honours allow/ignore patterns with fnmatch semantics", async () => {
  const opts = fresh();
  const r = await snapshotDownload("org/tiny-pipe", {
    ...opts,
    allowPatterns: ["*.json", "scheduler/"],
    ignorePatterns: "unet/*",
  });
  assert.deepEqual(r.files, ["model_index.json", "scheduler/scheduler_config.json"]);
});
