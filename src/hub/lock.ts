// A cross-process lock that needs nothing but the filesystem: the lock file is created with O_EXCL,
// holds its owner's pid, host and a token, and is touched while held. A waiter removes it only if
// its owner is provably gone (same host, dead pid) or it has not been touched for `staleMs`.
// Correctness of the cache never rests on this lock alone: blobs are written under a temporary name,
// verified, and renamed into place; the lock only keeps two processes from downloading (and appending
// to the same .incomplete file) at once.
import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, stat, unlink, utimes } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname } from "node:path";
import { HubError } from "./errors.js";

export interface LockOptions {
  timeoutMs?: number;
  staleMs?: number;
  pollMs?: number;
  signal?: AbortSignal;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function withFileLock<T>(path: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30 * 60_000;
  const staleMs = options.staleMs ?? 60_000;
  const pollMs = options.pollMs ?? 50;
  const token = randomBytes(8).toString("hex");
  const content = JSON.stringify({ pid: process.pid, host: hostname(), token });
  await mkdir(dirname(path), { recursive: true });
  const started = Date.now();
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      const handle = await open(path, "wx");
      await handle.writeFile(content);
      await handle.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    if (await isStale(path, staleMs)) {
      // Renaming away is atomic: of several waiters that judged the lock stale, one wins.
      const aside = `${path}.stale.${token}`;
      try {
        await rename(path, aside);
        await unlink(aside);
      } catch {}
      continue;
    }
    if (Date.now() - started > timeoutMs) {
      throw new HubError(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for the lock ${path}`);
    }
    await sleep(pollMs + Math.random() * pollMs);
  }
  const heartbeat = setInterval(
    () => {
      const now = new Date();
      utimes(path, now, now).catch(() => {});
    },
    Math.max(1000, staleMs / 4),
  );
  heartbeat.unref();
  try {
    return await fn();
  } finally {
    clearInterval(heartbeat);
    try {
      if ((await readFile(path, "utf8")) === content) await unlink(path);
    } catch {}
  }
}

async function isStale(path: string, staleMs: number): Promise<boolean> {
  try {
    const [text, info] = await Promise.all([readFile(path, "utf8"), stat(path)]);
    if (Date.now() - info.mtimeMs > staleMs) return true;
    if (text === "") return false; // being written right now
    const owner = JSON.parse(text) as { pid?: number; host?: string };
    return owner.host === hostname() && typeof owner.pid === "number" && !pidAlive(owner.pid);
  } catch {
    return false;
  }
}
