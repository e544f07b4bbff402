// Writes that never leave a half-written file under the final name: data goes to a unique temporary
// file beside the target, is flushed to disk, then renamed over the target (rename is atomic on POSIX
// within one filesystem).
import { randomBytes } from "node:crypto";
import { open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

export function temporaryPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
}

/** Writes `chunks` to `path` atomically. */
export async function writeFileAtomic(path: string, chunks: Iterable<Uint8Array> | Uint8Array): Promise<void> {
  const tmp = temporaryPathFor(path);
  const handle = await open(tmp, "wx", 0o644);
  try {
    for (const chunk of chunks instanceof Uint8Array ? [chunks] : chunks) {
      let written = 0;
      while (written < chunk.length) {
        const { bytesWritten } = await handle.write(chunk, written, chunk.length - written);
        written += bytesWritten;
      }
    }
    await handle.sync();
    await handle.close();
    await rename(tmp, path);
  } catch (e) {
    await handle.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw e;
  }
}
