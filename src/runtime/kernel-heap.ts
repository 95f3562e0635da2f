/**
 * Allocations inside the kernel's memory: the per-step buffers and the sessions' K/V caches, so that the
 * kernel reads a cache where it lies instead of copying the whole `past` in every step (at P = 128 that copy
 * was 1.5 MB a step, about a sixth of an AR step). Blocks are 64-byte aligned; freed blocks go to a free list
 * per size (caches come in a few sizes: they double), new ones at the end, growing the memory.
 *
 * A cache buffer handed out by `allocate` is a view of the memory; `release` returns it. A buffer that is
 * never released (a session dropped without disposing) is reclaimed when the view is garbage-collected.
 */
const PAGE = 65536;
const ALIGN = 64;

export class KernelHeap {
  private end: number;
  private readonly free = new Map<number, number[]>();
  private readonly owned = new WeakSet<ArrayBufferLike>();
  private readonly live = new WeakMap<Float32Array, { at: number; bytes: number }>();
  private readonly finalizer = new FinalizationRegistry<{ at: number; bytes: number }>((block) => this.give(block.at, block.bytes));

  constructor(
    readonly memory: WebAssembly.Memory,
    start: number,
    /** Bytes the memory may grow to; allocations beyond it fail (`allocate` returns undefined). */
    private readonly limit: number,
  ) {
    this.end = Math.ceil(start / ALIGN) * ALIGN;
  }

  /** A view of the whole memory as it is now (a grown memory needs a new one). */
  floats(): Float32Array {
    const buffer = this.memory.buffer;
    this.owned.add(buffer);
    return new Float32Array(buffer);
  }

  /** Byte offset of `view` in this memory, or undefined when it is not a view of it. */
  offsetOf(view: Float32Array): number | undefined {
    return this.owned.has(view.buffer) ? view.byteOffset : undefined;
  }

  /** A block of `bytes`; undefined when the memory cannot grow that far. */
  block(bytes: number): number | undefined {
    const size = Math.ceil(Math.max(bytes, 1) / ALIGN) * ALIGN;
    const reused = this.free.get(size)?.pop();
    if (reused !== undefined) return reused;
    const at = this.end;
    if (at + size > this.limit) return undefined;
    const have = this.memory.buffer.byteLength;
    if (at + size > have) this.memory.grow(Math.ceil((at + size - have) / PAGE));
    this.end = at + size;
    return at;
  }

  /** A block holding a copy of `data` (weights, fp32 or int8); undefined when the memory cannot grow that far. */
  store(data: Float32Array | Int8Array): number | undefined {
    const at = this.block(data.byteLength);
    if (at === undefined) return undefined;
    new Uint8Array(this.memory.buffer, at, data.byteLength).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return at;
  }

  give(at: number, bytes: number): void {
    const size = Math.ceil(Math.max(bytes, 1) / ALIGN) * ALIGN;
    const list = this.free.get(size);
    if (list === undefined) this.free.set(size, [at]);
    else list.push(at);
  }

  /** A zeroed Float32Array of `count` floats in this memory, or undefined when it is full. */
  allocate(count: number): Float32Array | undefined {
    const bytes = count * 4;
    const at = this.block(bytes);
    if (at === undefined) return undefined;
    const view = new Float32Array(this.floats().buffer, at, count);
    view.fill(0);
    const entry = { at, bytes };
    this.live.set(view, entry);
    this.finalizer.register(view, entry, view);
    return view;
  }

  release(view: Float32Array): void {
    const entry = this.live.get(view);
    if (entry === undefined) return;
    this.live.delete(view);
    this.finalizer.unregister(view);
    this.give(entry.at, entry.bytes);
  }

  /** Bytes the memory spans now. */
  get bytes(): number {
    return this.memory.buffer.byteLength;
  }
}
