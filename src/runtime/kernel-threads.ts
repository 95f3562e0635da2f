/**
 * Helper threads for the fused kernel: each runs the same decoder.wasm on the same shared memory and takes
 * a slice of every matmul (output rows) and of the attention (heads); the calling thread takes the first
 * slice and waits for the others. Hand-off is through a control block per helper in the kernel's first
 * page: the caller writes the job and bumps a sequence number, the helper spins on it (then sleeps in
 * Atomics.wait once idle for `spinMs`), runs its slice, and publishes the sequence number as done.
 *
 * Why spin: a step has ~30 hand-offs 20-40 µs apart; waking a sleeping thread costs tens of µs each.
 * Why only a while: spinning holds a core, which on a shared machine is the cost onnxruntime's spinning
 * pool paid (docs/benchmarks/peer.md), so an idle helper sleeps. Node only (worker_threads); elsewhere the
 * kernel runs on one thread.
 *
 * Why a late helper's slice is taken over: on a 2-core machine any third runnable thread (V8's own, the
 * OS, a neighbour) preempts one of ours for a scheduler slice, and a sleeping helper can take as long to
 * wake; a caller that waits for such a helper waits milliseconds. Measured (8 story prompts x 128 tokens,
 * 2 threads, AMD EPYC): 0.1 % of the hand-offs waited over 0.1 ms, 2 ms on average and up to 11, 10-20 %
 * of the wall time. So the caller waits for a helper only a grace period after its own slice
 * (GRACE_MIN_MS), then computes the helper's slice itself and runs alone until the helper is back. That is
 * safe because a helper never writes where the caller reads: it writes its slice into a block of its own
 * (and its attention scores into another), which the caller copies out once the helper has published the
 * job as done; a job the caller gave up on lands in that block unread. The bits are the same either way:
 * every output is one dot product in a fixed order, whichever thread computes it.
 */
import { RUNTIME } from './environment';
import { BindingError } from './errors';
import type { DecoderExports } from './kernel-exports';
import type { KernelHeap } from './kernel-heap';

const CONTROL_AT = 4096;
const CONTROL_STRIDE = 128;
const SEQ = 0;
const DONE = 1;
const OP = 2;
const ARGS = 3;
const STOP = -1;
const OP_MATMUL = 1;
const OP_ATTENTION = 2;
const OP_MATMUL_Q = 3;
/**
 * After its own slice the caller waits for a helper as long as that slice took, and at least this long
 * (ms), before it takes the helper's slice over: a helper that runs is about as fast, one that does not is
 * milliseconds late. Measured against never taking over (12 prompts x 128 tokens, 2 threads, interleaved
 * per prompt in one process): the caller's waits 11-17 % of the wall time -> 5-8 %; against a fixed 0.3 ms
 * the same within noise.
 */
const GRACE_MIN_MS = 0.1;

/** The helper's code, evaluated as a CommonJS worker (no file to locate, whatever bundled the engine). */
const HELPER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, control, spinMs } = workerData;
const k = new WebAssembly.Instance(module, { env: { memory, abort() { throw new Error('kernel abort'); } } }).exports;
const i32 = new Int32Array(memory.buffer, control, ${CONTROL_STRIDE / 4});
const f32 = new Float32Array(memory.buffer, control, ${CONTROL_STRIDE / 4});
const a = ${ARGS};
let seen = 0;
for (;;) {
  let idleSince = performance.now();
  let spins = 0;
  while (Atomics.load(i32, ${SEQ}) === seen) {
    if ((++spins & 1023) === 0 && performance.now() - idleSince > spinMs) {
      Atomics.wait(i32, ${SEQ}, seen);
      idleSince = performance.now();
    }
  }
  seen = Atomics.load(i32, ${SEQ});
  if (seen === ${STOP}) break;
  const op = i32[${OP}];
  if (op === ${OP_MATMUL}) k.matmul(i32[a], i32[a + 1], i32[a + 2], i32[a + 3], i32[a + 4], i32[a + 5], i32[a + 6], i32[a + 7], i32[a + 8]);
  else if (op === ${OP_MATMUL_Q}) k.matmulQ(i32[a], i32[a + 1], i32[a + 2], i32[a + 3], i32[a + 4], i32[a + 5], i32[a + 6], i32[a + 7], i32[a + 8], i32[a + 9]);
  else if (op === ${OP_ATTENTION}) k.attention(i32[a], i32[a + 1], i32[a + 2], i32[a + 3], i32[a + 4], i32[a + 5], i32[a + 6], i32[a + 7],
    i32[a + 8], i32[a + 9], i32[a + 10], f32[a + 11], i32[a + 12], i32[a + 13], i32[a + 14], i32[a + 15], i32[a + 16], i32[a + 17],
    i32[a + 18], i32[a + 19]);
  Atomics.store(i32, ${DONE}, seen);
}
`;

interface NodeWorker {
  unref(): void;
  terminate(): Promise<number>;
  on(event: 'error', listener: (error: unknown) => void): void;
}

interface Helper {
  readonly worker: NodeWorker;
  readonly i32: Int32Array;
  readonly f32: Float32Array;
  seq: number;
  /** Still running a job the caller took over (or dead): given nothing until it publishes `seq` as done. */
  away: boolean;
  /** Its own blocks in the kernel's memory: a slice's output, and the attention's scores. */
  out: { at: number; bytes: number };
  scratch: { at: number; bytes: number };
}

/** How a step's big operations are shared out: by this thread alone, or with helpers. */
export interface KernelSplit {
  readonly threads: number;
  matmul(w: number, x: number, y: number, k: number, rows: number, xs: number, ys: number, n: number): void;
  /** The int8 matmul (decoder.ts matmulQ) over n outputs. */
  matmulQ(w: number, ws: number, q: number, qs: number, y: number, k: number, rows: number, ys: number, n: number): void;
  /** `scores`: the calling thread's scratch (p + rows + 4 floats); helpers have their own. */
  attention(
    q: number, qs: number, pk: number, pv: number, p: number, phs: number, pps: number, nk: number, nv: number, rows: number,
    mask: number, blocked: number, heads: number, dh: number, scores: number, out: number, os: number,
  ): void;
  /** Slices the caller took over from a late helper since the start. */
  readonly takeovers: number;
  stop(): Promise<void>;
}

/** Slice `i` of `parts` over [0, n), cut at multiples of `unit`. */
function slice(n: number, parts: number, i: number, unit: number): [number, number] {
  const units = n / unit;
  return [Math.round((units * i) / parts) * unit, Math.round((units * (i + 1)) / parts) * unit];
}

export function singleThread(kernel: DecoderExports): KernelSplit {
  return {
    threads: 1,
    matmul: (w, x, y, k, rows, xs, ys, n) => kernel.matmul(w, x, y, k, rows, xs, ys, 0, n),
    matmulQ: (w, ws, q, qs, y, k, rows, ys, n) => kernel.matmulQ(w, ws, q, qs, y, k, rows, ys, 0, n),
    attention: (q, qs, pk, pv, p, phs, pps, nk, nv, rows, mask, blocked, heads, dh, scores, out, os) =>
      kernel.attention(q, qs, pk, pv, p, phs, pps, nk, nv, rows, mask, blocked, 0, heads, dh, scores, out, os, 0, rows),
    takeovers: 0,
    stop: async () => {},
  };
}

export async function withHelpers(
  kernel: DecoderExports,
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
  heap: KernelHeap,
  threads: number,
  spinMs: number,
): Promise<KernelSplit> {
  if (threads <= 1) return singleThread(kernel);
  if (!RUNTIME.isNode) throw new BindingError('backend-unavailable', 'fused kernel: helper threads need Node (worker_threads)');
  const specifier = 'node:worker_threads';
  const { Worker } = (await import(/* @vite-ignore */ specifier)) as {
    Worker: new (source: string, options: { eval: true; workerData: unknown }) => NodeWorker;
  };
  const helpers: Helper[] = [];
  for (let i = 0; i < threads - 1; i++) {
    const control = CONTROL_AT + i * CONTROL_STRIDE;
    const i32 = new Int32Array(memory.buffer, control, CONTROL_STRIDE / 4);
    i32.fill(0);
    const worker = new Worker(HELPER_SOURCE, { eval: true, workerData: { module, memory, control, spinMs } });
    // A helper never keeps the process alive; a failed one stays away (below) and the caller runs alone.
    worker.unref();
    worker.on('error', (error) => console.error('[kernel] helper thread failed:', error));
    const none = { at: 0, bytes: 0 };
    helpers.push({ worker, i32, f32: new Float32Array(memory.buffer, control, CONTROL_STRIDE / 4), seq: 0, away: false, out: none, scratch: none });
  }
  let takeovers = 0;
  let view = new Float32Array(memory.buffer);
  const floats = () => (view.buffer === memory.buffer ? view : (view = new Float32Array(memory.buffer)));

  /** Whether the helper can take a job now (it is idle), after making sure its two blocks hold `out` and `scratch` bytes. */
  const ready = (helper: Helper, out: number, scratch: number): boolean => {
    if (helper.away) {
      if (Atomics.load(helper.i32, DONE) !== helper.seq) return false;
      helper.away = false;
    }
    const fit = (block: { at: number; bytes: number }, bytes: number) => {
      if (block.bytes >= bytes) return block;
      const at = heap.block(bytes);
      if (at === undefined) return undefined;
      if (block.bytes > 0) heap.give(block.at, block.bytes);
      return { at, bytes };
    };
    const o = fit(helper.out, out);
    if (o === undefined) return false;
    helper.out = o;
    const sc = fit(helper.scratch, scratch);
    if (sc === undefined) return false;
    helper.scratch = sc;
    return true;
  };
  const post = (helper: Helper, op: number, args: readonly number[], floatArg = -1) => {
    args.forEach((value, j) => {
      if (j === floatArg) helper.f32[ARGS + j] = value;
      else helper.i32[ARGS + j] = value;
    });
    helper.i32[OP] = op;
    helper.seq = helper.seq >= 0x3fffffff ? 1 : helper.seq + 1;
    Atomics.store(helper.i32, SEQ, helper.seq);
    Atomics.notify(helper.i32, SEQ);
  };
  /** Spins until the helper has published its job as done (true) or the clock passes `deadline` (false). */
  const finished = (helper: Helper, deadline: number): boolean => {
    let spins = 0;
    while (Atomics.load(helper.i32, DONE) !== helper.seq) {
      if ((++spins & 31) === 0 && performance.now() > deadline) return false;
    }
    return true;
  };

  /**
   * One operation over [0, n) cut at multiples of `unit`: the idle helpers each get a slice (`give`: post it,
   * its output into the helper's block), this thread runs the first (`run`), then collects each helper's
   * slice (`collect`: copy it out of the helper's block) or, when the helper is late, runs it too.
   * `bytes(lo, hi)`: the size of a slice's output block and its scratch.
   */
  const share = (
    n: number,
    unit: number,
    bytes: (lo: number, hi: number) => [number, number],
    give: (helper: Helper, lo: number, hi: number) => void,
    run: (lo: number, hi: number) => void,
    collect: (helper: Helper, lo: number, hi: number) => void,
  ) => {
    const idle = helpers.filter((helper) => !helper.away || Atomics.load(helper.i32, DONE) === helper.seq);
    const parts = idle.length + 1;
    const given: { helper: Helper; lo: number; hi: number }[] = [];
    const mine: [number, number][] = [slice(n, parts, 0, unit)];
    idle.forEach((helper, i) => {
      const [lo, hi] = slice(n, parts, i + 1, unit);
      if (hi <= lo) return;
      const [out, scratch] = bytes(lo, hi);
      if (ready(helper, out, scratch)) {
        give(helper, lo, hi);
        given.push({ helper, lo, hi });
      } else mine.push([lo, hi]);
    });
    const start = performance.now();
    for (const [lo, hi] of mine) if (hi > lo) run(lo, hi);
    const now = performance.now();
    const deadline = now + Math.max(GRACE_MIN_MS, now - start);
    for (const { helper, lo, hi } of given) {
      if (finished(helper, deadline)) collect(helper, lo, hi);
      else {
        helper.away = true;
        takeovers++;
        run(lo, hi);
      }
    }
  };
  /** Copies `rows` rows of `width` floats from a helper's block (packed) into rows of stride `stride` at `to` (bytes). */
  const copyOut = (helper: Helper, to: number, rows: number, width: number, stride: number) => {
    const f = floats();
    const src = helper.out.at / 4;
    const dst = to / 4;
    for (let t = 0; t < rows; t++) f.copyWithin(dst + t * stride, src + t * width, src + (t + 1) * width);
  };
  // A slice of outputs [lo, hi) lands packed in the helper's block: the kernel is given a base address `lo`
  // outputs before the block (wasm's address arithmetic wraps, so this may lie below 0) and a row stride of
  // the slice's width, so it writes only inside the block.
  const base = (helper: Helper, lo: number) => helper.out.at - lo * 4;

  return {
    threads,
    get takeovers() {
      return takeovers;
    },
    matmul(w, x, y, k, rows, xs, ys, n) {
      share(
        n,
        8,
        (lo, hi) => [rows * (hi - lo) * 4, 0],
        (helper, lo, hi) => post(helper, OP_MATMUL, [w, x, base(helper, lo), k, rows, xs, hi - lo, lo, hi]),
        (lo, hi) => kernel.matmul(w, x, y, k, rows, xs, ys, lo, hi),
        (helper, lo, hi) => copyOut(helper, y + lo * 4, rows, hi - lo, ys),
      );
    },
    matmulQ(w, ws, q, qs, y, k, rows, ys, n) {
      share(
        n,
        8,
        (lo, hi) => [rows * (hi - lo) * 4, 0],
        (helper, lo, hi) => post(helper, OP_MATMUL_Q, [w, ws, q, qs, base(helper, lo), k, rows, hi - lo, lo, hi]),
        (lo, hi) => kernel.matmulQ(w, ws, q, qs, y, k, rows, ys, lo, hi),
        (helper, lo, hi) => copyOut(helper, y + lo * 4, rows, hi - lo, ys),
      );
    },
    attention(q, qs, pk, pv, p, phs, pps, nk, nv, rows, mask, blocked, heads, dh, scores, out, os) {
      share(
        heads,
        1,
        (lo, hi) => [rows * (hi - lo) * dh * 4, (p + rows + 4) * 4],
        (helper, lo, hi) =>
          post(helper, OP_ATTENTION, [q, qs, pk, pv, p, phs, pps, nk, nv, rows, mask, blocked, lo, hi, dh, helper.scratch.at, base(helper, lo * dh), (hi - lo) * dh, 0, rows], 11),
        (lo, hi) => kernel.attention(q, qs, pk, pv, p, phs, pps, nk, nv, rows, mask, blocked, lo, hi, dh, scores, out, os, 0, rows),
        (helper, lo, hi) => copyOut(helper, out + lo * dh * 4, rows, (hi - lo) * dh, os),
      );
    },
    async stop() {
      for (const helper of helpers) {
        Atomics.store(helper.i32, SEQ, STOP);
        Atomics.notify(helper.i32, SEQ);
      }
      await Promise.all(helpers.map((helper) => helper.worker.terminate()));
    },
  };
}
