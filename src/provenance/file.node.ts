// Reading provenance from PNG files on disk without loading their pixel data.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { type ByteSource, readProvenanceText } from "./png.js";
import { type ProvenanceRecord, parseRecordText } from "./record.js";

/** Reads chunk headers and the provenance chunk piecewise, so a huge PNG costs only what is read. */
export async function readProvenanceFile(path: string): Promise<ProvenanceRecord> {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    const source: ByteSource = {
      size,
      name: path,
      read(offset, length) {
        const buf = new Uint8Array(length);
        let done = 0;
        while (done < length) {
          const n = readSync(fd, buf, done, length - done, offset + done);
          if (n === 0) break;
          done += n;
        }
        return buf.subarray(0, done);
      },
    };
    return parseRecordText(await readProvenanceText(source), path);
  } finally {
    closeSync(fd);
  }
}
