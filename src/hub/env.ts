// Where huggingface_hub keeps its cache, which endpoint it talks to, whether it is offline and which
// token it sends — resolved from the same environment variables, with the same precedence, as Python's
// huggingface_hub/constants.py, so both share one cache.
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";

export type Env = Readonly<Record<string, string | undefined>>;

export const DEFAULT_ENDPOINT = "https://huggingface.co";

/** Python's os.path.expanduser(os.path.expandvars(p)) for the forms used in practice ($VAR, ${VAR}, ~). */
export function expandPath(p: string, env: Env): string {
  const vars = p.replace(/\$(\w+)|\$\{(\w+)\}/g, (whole, a: string | undefined, b: string | undefined) => {
    const value = env[(a ?? b) as string];
    return value === undefined ? whole : value;
  });
  if (vars === "~" || vars.startsWith("~/")) return join(env.HOME ?? homedir(), vars.slice(1));
  return vars;
}

/** $HF_HOME, else $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface. */
export function hfHome(env: Env = process.env): string {
  const home = env.HF_HOME ?? join(env.XDG_CACHE_HOME ?? join(env.HOME ?? homedir(), ".cache"), "huggingface");
  return expandPath(home, env);
}

/** $HF_HUB_CACHE, else the legacy $HUGGINGFACE_HUB_CACHE, else $HF_HOME/hub. */
export function hubCacheDir(env: Env = process.env): string {
  return expandPath(env.HF_HUB_CACHE ?? env.HUGGINGFACE_HUB_CACHE ?? join(hfHome(env), "hub"), env);
}

export function hubEndpoint(env: Env = process.env): string {
  return (env.HF_ENDPOINT || DEFAULT_ENDPOINT).replace(/\/+$/, "");
}

function isTrue(value: string | undefined): boolean {
  return value !== undefined && ["1", "ON", "YES", "TRUE"].includes(value.toUpperCase());
}

/** HF_HUB_OFFLINE (or the older TRANSFORMERS_OFFLINE) set to 1/ON/YES/TRUE. */
export function isOfflineMode(env: Env = process.env): boolean {
  return isTrue(env.HF_HUB_OFFLINE || env.TRANSFORMERS_OFFLINE);
}

/**
 * The token huggingface_hub would send: $HF_TOKEN, else $HUGGING_FACE_HUB_TOKEN, else the file that
 * `huggingface-cli login` writes ($HF_TOKEN_PATH, default $HF_HOME/token). Undefined when none.
 */
export async function hubToken(env: Env = process.env): Promise<string | undefined> {
  const fromEnv = (env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN)?.trim();
  if (fromEnv) return fromEnv;
  const path = expandPath(env.HF_TOKEN_PATH ?? join(hfHome(env), "token"), env);
  try {
    const text = (await readFile(path, "utf8")).trim();
    return text === "" ? undefined : text;
  } catch {
    return undefined;
  }
}
