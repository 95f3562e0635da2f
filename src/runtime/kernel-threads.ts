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
 */
import { RUNTIME } from './environment';
import { BindingError } from './errors';
import type { DecoderExports } from './kernel-exports';

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
/** The caller gives up on a helper after this long (it died, or the process is being torn down). */
const STUCK_MS = 5000;

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
}

/** How a step's big operations are shared out: by this thread alone, or with helpers. */
export interface KernelSplit {
  readonly threads: number;
  matmul(w: number, x: number, y: number, k: number, rows: number, xs: number, ys: number, n: number): void;
  /** The int8 matmul (decoder.ts matmulQ) over n outputs. */
  matmulQ(w: number, ws: number, q: number, qs: number, y: number, k: number, rows: number, ys: number, n: number): void;
  /** `scores`: one scratch per thread. */
  attention(
    q: number, qs: number, pk: number, pv: number, p: number, phs: number, pps: number, nk: number, nv: number, rows: number,
    mask: number, blocked: number, heads: number, dh: number, scores: readonly number[], out: number, os: number,
  ): void;
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
      kernel.attention(q, qs, pk, pv, p, phs, pps, nk, nv, rows, mask, blocked, 0, heads, dh, scores[0]!, out, os, 0, rows),
    stop: async () => {},
  };
}

export async function withHelpers(
  kernel: DecoderExports,
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
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
    // A helper never keeps the process alive; a failed one surfaces as a stuck step (below).
    worker.unref();
    worker.on('error', (error) => console.error('[kernel] helper thread failed:', error));
    helpers.push({ worker, i32, f32: new Float32Array(memory.buffer, control, CONTROL_STRIDE / 4), seq: 0 });
  }

  const post = (helper: Helper, op: number, args: readonly number[], floats: ReadonlySet<number> = new Set()) => {
    args.forEach((value, j) => {
      if (floats.has(j)) helper.f32[ARGS + j] = value;
      else helper.i32[ARGS + j] = value;
    });
    helper.i32[OP] = op;
    helper.seq = helper.seq >= 0x3fffffff ? 1 : helper.seq + 1;
    Atomics.store(helper.i32, SEQ, helper.seq);
    Atomics.notify(helper.i32, SEQ);
  };
  const join = () => {
    for (const helper of helpers) {
      let spins = 0;
      const start = performance.now();
      while (Atomics.load(helper.i32, DONE) !== helper.seq) {
        if ((++spins & 4095) === 0 && performance.now() - start > STUCK_MS) {
          throw new BindingError('runtime-failure', 'fused kernel: a helper thread stopped answering');
        }
      }
    }
  };

  return {
    threads,
    matmul(w, x, y, k, rows, xs, ys, n) {
      helpers.forEach((helper, i) => {
        const [n0, n1] = slice(n, threads, i + 1, 8);
        post(helper, OP_MATMUL, [w, x, y, k, rows, xs, ys, n0, n1]);
      });
      const [n0, n1] = slice(n, threads, 0, 8);
      kernel.matmul(w, x, y, k, rows, xs, ys, n0, n1);
      join();
    },
    matmulQ(w, ws, q, qs, y, k, rows, ys, n) {
      helpers.forEach((helper, i) => {
        const [n0, n1] = slice(n, threads, i + 1, 8);
        post(helper, OP_MATMUL_Q, [w, ws, q, qs, y, k, rows, ys, n0, n1]);
      });
      const [n0, n1] = slice(n, threads, 0, 8);
      kernel.matmulQ(w, ws, q, qs, y, k, rows, ys, n0, n1);
      join();
    },
    attention(q, qs, pk, pv, p, phs, pps, nk, nv, rows, mask, blocked, heads, dh, scores, out, os) {
      helpers.forEach((helper, i) => {
        const [h0, h1] = slice(heads, threads, i + 1, 1);
        post(helper, OP_ATTENTION, [q, qs, pk, pv, p, phs, pps, nk, nv, rows, mask, blocked, h0, h1, dh, scores[i + 1]!, out, os, 0, rows], new Set([11]));
      });
      const [h0, h1] = slice(heads, threads, 0, 1);
      kernel.attention(q, qs, pk, pv, p, phs, pps, nk, nv, rows, mask, blocked, h0, h1, dh, scores[0]!, out, os, 0, rows);
      join();
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
