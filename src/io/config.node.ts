// Reading and writing config files on disk, with errors that name the file.
import { readFile } from "node:fs/promises";
import { writeFileAtomic } from "./atomic.node.js";
import { ConfigError, type ConfigObject, type FormatConfigOptions, formatConfig, parseConfig } from "./config.js";

export async function readConfigFile(path: string): Promise<ConfigObject> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new ConfigError(`${path}: config file not found`);
    if (code === "EISDIR") throw new ConfigError(`${path}: is a folder, expected a JSON config file`);
    throw new ConfigError(`${path}: cannot read config file (${(e as Error).message})`);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new ConfigError(`${path}: not valid UTF-8 text`);
  }
  return parseConfig(text, path);
}

/** Writes `config` as Diffusers' save_config does (sorted keys, indent 2, trailing newline), atomically. */
export async function writeConfigFile(
  path: string,
  config: ConfigObject,
  options?: FormatConfigOptions,
): Promise<void> {
  await writeFileAtomic(path, new TextEncoder().encode(formatConfig(config, options)));
}
