// What every fromPretrained accepts, and the one place that turns it into a ModelFolder: a ModelFolder
// as is (in memory, or any object with the interface); an http(s) URL (string or URL) as a folder of
// URLs; any other string as a local path or Hub repository id in Node (file system and Hub cache, imported
// on demand), and as a Hub repository id fetched through resolve URLs in browsers.

import { isModelFolder, type ModelFolder, ModelFolderError } from "./folder.js";
import { type HubFolderOptions, hubModelFolder, UrlModelFolder } from "./url-folder.js";

/** A folder path or Hub repository id, an http(s) URL of a served folder, or a ModelFolder. */
export type ModelSource = string | URL | ModelFolder;

/** Node has a file system and the Hub cache; everywhere else a string that is not a URL names a Hub repository. */
export function isNode(): boolean {
  const proc = (globalThis as { process?: { versions?: { node?: unknown } } }).process;
  return typeof proc?.versions?.node === "string";
}

/**
 * `source` as a URL when it is one: a URL object, an absolute http(s) URL, or, in a browser, a URL relative
 * to the page or worker ("/models/x/", "./x/", "../x/"; in Node those are paths).
 */
export function sourceUrl(source: string | URL): URL | null {
  if (source instanceof URL) return source;
  if (/^https?:\/\//i.test(source)) return new URL(source);
  const here = (globalThis as { location?: { href?: unknown } }).location?.href;
  if (!isNode() && typeof here === "string" && /^\.{0,2}\//.test(source)) return new URL(source, here);
  return null;
}

export interface OpenSourceOptions {
  /** The file the load reads first; a Hub branch is pinned to the commit it is served from. */
  probe: string;
  /** How a browser reaches the Hub. */
  hub?: HubFolderOptions;
  /** Node: the folder of a local path or Hub repository id (dynamically imported file-system code). */
  node: (pathOrRepoId: string) => Promise<ModelFolder>;
}

export async function openModelSource(source: ModelSource, options: OpenSourceOptions): Promise<ModelFolder> {
  if (isModelFolder(source)) return source;
  if (typeof source !== "string" && !(source instanceof URL)) {
    throw new TypeError(
      `fromPretrained needs a folder path, Hub repository id, URL or ModelFolder, got ${describe(source)}`,
    );
  }
  const url = sourceUrl(source);
  if (url !== null) {
    // The Hub token is never sent to other servers; a folder needing headers is built with UrlModelFolder.
    return new UrlModelFolder(url, {
      ...(options.hub?.fetch !== undefined ? { fetch: options.hub.fetch } : {}),
      ...(options.hub?.signal !== undefined ? { signal: options.hub.signal } : {}),
    });
  }
  if (source === "") throw new ModelFolderError("fromPretrained: the folder path or repository id is empty");
  if (isNode()) return options.node(source as string);
  return hubModelFolder(source as string, options.hub, options.probe);
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === "object") return `an object without ModelFolder's members (${Object.keys(value).join(", ")})`;
  return `${typeof value} ${JSON.stringify(value)}`;
}
