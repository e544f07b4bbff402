import { RESERVED_BYTES } from "./layout.js";

const PAGE = 65536;
const ALIGN = 64;

interface Block {
  start: number;
  size: number;
}

/**
 * A first-fit allocator over one WebAssembly memory (the JS side owns all allocation; the kernels only
 * read and write what they are given). Free blocks are kept sorted and coalesced; when nothing fits, the
 * memory grows, which a shared memory allows up to its declared maximum.
 */
export class WasmHeap {
  private readonly freeList: Block[] = [];
  private readonly sizes = new Map<number, number>();
  private top: number;
  /**
   * Called when an allocation does not fit even after growing to the maximum: frees something (the
   * packed-weight cache evicts its least recently used entry) and returns true, or returns false when
   * nothing more can be freed. The allocation is retried after each success.
   */
  reclaim: (() => boolean) | null = null;
  /** Pages the memory may grow to: the module's maximum, or less (see `setLimit`). */
  private limitPages: number;

  constructor(
    readonly memory: WebAssembly.Memory,
    private readonly maxPages: number,
  ) {
    this.limitPages = maxPages;
    this.top = RESERVED_BYTES;
    const have = memory.buffer.byteLength;
    if (have < RESERVED_BYTES) memory.grow(Math.ceil((RESERVED_BYTES - have) / PAGE));
  }

  /**
   * Caps the memory below the module's maximum (never below its current size, since wasm memory cannot
   * shrink), e.g. to test the reclaiming path or to bound a page's memory; null restores the maximum.
   */
  setLimit(bytes: number | null): void {
    const pages = bytes === null ? this.maxPages : Math.ceil(bytes / PAGE);
    if (!Number.isFinite(pages) || pages < 1) throw new RangeError(`invalid wasm memory limit ${bytes}`);
    this.limitPages = Math.min(this.maxPages, Math.max(pages, this.memory.buffer.byteLength / PAGE));
  }

  /** Bytes currently handed out. */
  get allocatedBytes(): number {
    let total = 0;
    for (const size of this.sizes.values()) total += size;
    return total;
  }

  /** Returns the byte address of `bytes` bytes aligned to 64, growing the memory or reclaiming when needed. */
  alloc(bytes: number): number {
    if (!Number.isFinite(bytes) || bytes < 0) throw new RangeError(`cannot allocate ${bytes} bytes`);
    for (;;) {
      const ptr = this.tryAlloc(bytes);
      if (ptr >= 0) return ptr;
      if (this.reclaim === null || !this.reclaim()) {
        const end = this.top + Math.ceil(bytes / ALIGN) * ALIGN;
        throw new RangeError(
          `wasm memory exhausted: need ${end} bytes but the memory is limited to ${this.limitPages} pages (${(this.limitPages * PAGE) / 2 ** 30} GiB)`,
        );
      }
    }
  }

  /** First fit in the free list, else growth at the top; -1 when the memory cannot grow that far. */
  private tryAlloc(bytes: number): number {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    for (let i = 0; i < this.freeList.length; i++) {
      const block = this.freeList[i];
      if (block.size < size) continue;
      const start = block.start;
      if (block.size === size) this.freeList.splice(i, 1);
      else {
        block.start += size;
        block.size -= size;
      }
      this.sizes.set(start, size);
      return start;
    }
    const start = this.top;
    const end = start + size;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      const current = have / PAGE;
      if (current + pages > this.limitPages) return -1;
      // Grow by at least 1/8 of the current size so repeated growth stays amortised.
      const grow = Math.min(this.limitPages - current, Math.max(pages, Math.ceil(current / 8)));
      this.memory.grow(grow);
    }
    this.top = end;
    this.sizes.set(start, size);
    return start;
  }

  /** Runs `body` with an allocator whose blocks are all freed when it returns or throws (no leak on failure). */
  scratch<T>(body: (alloc: (bytes: number) => number) => T): T {
    const taken: number[] = [];
    try {
      return body((bytes) => {
        const ptr = this.alloc(bytes);
        taken.push(ptr);
        return ptr;
      });
    } finally {
      for (let i = taken.length - 1; i >= 0; i--) this.free(taken[i]);
    }
  }

  free(ptr: number): void {
    const size = this.sizes.get(ptr);
    if (size === undefined) throw new Error(`wasm heap: free of unknown address ${ptr}`);
    this.sizes.delete(ptr);
    // Insert sorted, then merge with neighbours; a block touching the top gives its bytes back to it.
    let i = 0;
    while (i < this.freeList.length && this.freeList[i].start < ptr) i++;
    this.freeList.splice(i, 0, { start: ptr, size });
    if (i + 1 < this.freeList.length && ptr + size === this.freeList[i + 1].start) {
      this.freeList[i].size += this.freeList[i + 1].size;
      this.freeList.splice(i + 1, 1);
    }
    if (i > 0 && this.freeList[i - 1].start + this.freeList[i - 1].size === ptr) {
      this.freeList[i - 1].size += this.freeList[i].size;
      this.freeList.splice(i, 1);
      i--;
    }
    const last = this.freeList[this.freeList.length - 1];
    if (last && last.start + last.size === this.top) {
      this.top = last.start;
      this.freeList.pop();
    }
  }

  /** A fresh view (views of an unshared memory are detached whenever it grows). */
  f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, length);
  }

  i32(ptr: number, length: number): Int32Array {
    return new Int32Array(this.memory.buffer, ptr, length);
  }
}
