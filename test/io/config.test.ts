import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { formatConfig, markFloat, parseConfig, pythonFloatRepr } from "../../src/io/config.js";
import { readConfigFile, writeConfigFile } from "../../src/io/config.node.js";
import { fixturePath } from "../helpers/fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "reprodiff-config-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const CONFIGS = [
  "ddpm_scheduler_config.json",
  "autoencoder_kl_config.json",
  "unet2d_cifar_mini_config.json",
  "clip_text_config.json",
  "tokenizer_config.json",
  "python_written.json",
];

test("configs written by Diffusers / Python's json read and write back byte for byte", async () => {
  for (const name of CONFIGS) {
    const path = fixturePath("io", "configs", name);
    const original = readFileSync(path, "utf8");
    const config = await readConfigFile(path);
    assert.equal(formatConfig(config), original, name);
    const out = join(dir, name);
    await writeConfigFile(out, config);
    assert.equal(readFileSync(out, "utf8"), original, name);
  }
});

test("parsed values are plain JavaScript values", async () => {
  const c = await readConfigFile(fixturePath("io", "configs", "unet2d_cifar_mini_config.json"));
  assert.equal(c._class_name, "UNet2DModel");
  assert.equal(c.norm_eps, 1e-6);
  assert.equal(c.attention_head_dim, null);
  assert.deepEqual(c.down_block_types, ["DownBlock2D", "AttnDownBlock2D", "DownBlock2D", "DownBlock2D"]);
  const p = await readConfigFile(fixturePath("io", "configs", "python_written.json"));
  assert.ok(Number.isNaN(p.nan));
  assert.equal(p.name, "café ☃ 𝄞");
  assert.equal(Object.getPrototypeOf(p), Object.prototype);
});

test("Python's float repr", () => {
  const cases: [number, string][] = [
    [1, "1.0"],
    [0.1, "0.1"],
    [1e-6, "1e-06"],
    [1e-5, "1e-05"],
    [1e-4, "0.0001"],
    [0.00085, "0.00085"],
    [0.012, "0.012"],
    [0.18215, "0.18215"],
    [1e16, "1e+16"],
    [1e15, "1000000000000000.0"],
    [123456789.125, "123456789.125"],
    [-2.5e-300, "-2.5e-300"],
    [1.7976931348623157e308, "1.7976931348623157e+308"],
    [5e-324, "5e-324"],
    [-0, "-0.0"],
    [Number.NaN, "NaN"],
    [Number.NEGATIVE_INFINITY, "-Infinity"],
  ];
  for (const [x, want] of cases) assert.equal(pythonFloatRepr(x), want, String(x));
});

test("float-ness of integral values survives when known; code-built configs can mark floats", () => {
  const c = parseConfig('{"a": 1.0, "b": 1, "c": [2.0, 2]}');
  assert.equal(formatConfig(c), '{\n  "a": 1.0,\n  "b": 1,\n  "c": [\n    2.0,\n    2\n  ]\n}\n');
  const built: Record<string, unknown> = { sample_max_value: 1, num_train_timesteps: 1000, beta_start: 0.0001 };
  assert.equal(
    formatConfig(built, { floatKeys: ["sample_max_value"] }),
    '{\n  "beta_start": 0.0001,\n  "num_train_timesteps": 1000,\n  "sample_max_value": 1.0\n}\n',
  );
  markFloat(built, "num_train_timesteps");
  assert.match(formatConfig(built), /"num_train_timesteps": 1000\.0/);
});

test("bad config files give errors naming the file and the problem", async () => {
  const write = (name: string, text: string | Uint8Array) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const cases: [string, string | Uint8Array, RegExp][] = [
    [
      "trailing-comma.json",
      '{"a": 1,}',
      /not valid JSON: expected a string key, found character "}" at line 1 column 9/,
    ],
    ["dup.json", '{"a": 1,\n "a": 2}', /not valid JSON: duplicate key "a" at line 2 column 2/],
    ["array.json", "[1, 2]", /expected a JSON object at the top level, found an array/],
    ["empty.json", "", /not valid JSON: unexpected end of input/],
    ["latin1.json", new Uint8Array([0x7b, 0x22, 0xe9, 0x22, 0x3a, 0x31, 0x7d]), /not valid UTF-8 text/],
    ["unterminated.json", '{"a": "b', /unterminated string at line 1 column 7/],
  ];
  for (const [name, text, message] of cases) {
    const p = write(name, text);
    await assert.rejects(readConfigFile(p), (e: Error) => {
      assert.equal(e.name, "ConfigError");
      assert.ok(e.message.startsWith(`${p}: `), e.message);
      assert.match(e.message, message);
      return true;
    });
  }
  await assert.rejects(readConfigFile(join(dir, "nope.json")), /nope\.json: config file not found/);
  await assert.rejects(readConfigFile(dir), /is a folder, expected a JSON config file/);
  // A UTF-8 byte-order mark is tolerated, as Python's utf-8-sig readers do.
  assert.deepEqual(await readConfigFile(write("bom.json", '\ufeff{"a": 1}')), { a: 1 });
  // "__proto__" is an ordinary key and never changes the object's prototype.
  const proto = await readConfigFile(write("proto.json", '{"__proto__": {"polluted": true}}'));
  assert.equal((proto as { polluted?: boolean }).polluted, undefined);
  assert.deepEqual(Object.keys(proto), ["__proto__"]);
});
