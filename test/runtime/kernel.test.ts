/**
 * The fused decoder kernel (src/runtime/kernel, backend 'kernel') beyond the binding contract that
 * binding.node.test.ts runs on it: agreement with onnxruntime, the exactness it has by construction (a tree
 * row is its AR step bit for bit), threads and zero-copy caches changing no bit, and its refusals.
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { KvCache } from '../../src/kv/kv-cache';
import type { ForwardInput, InferenceBinding, KvLayout, LayerKv, ModelArchitecture } from '../../src/runtime';
import { BindingError, createBinding, emptyPast } from '../../src/runtime';
import type { KernelBinding } from '../../src/runtime/backend-kernel';
import { fixtureBinding, loadFixture } from '../engine/support/fixture';
import { appendKv, causalInput, depths, maxAbsDiff, pathTo, rowOf, treeMask } from './masks';

const sameBits = (a: Float32Array, b: Float32Array) => a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;

/** Random parents of a tree: node 0 the root, every other node's parent an earlier node. */
const treeParents = fc.integer({ min: 1, max: 9 }).chain((n) =>
  fc.tuple(...Array.from({ length: n }, (_, i) => (i === 0 ? fc.constant(-1) : fc.integer({ min: 0, max: i - 1 })))),
);

describe('fused kernel', () => {
  let kernel: InferenceBinding;
  let native: InferenceBinding;
  let arch: ModelArchitecture;
  const prefix = [5, 17, 42, 7, 3, 61];

  beforeAll(async () => {
    arch = (await loadFixture()).architecture;
    kernel = await fixtureBinding('kernel');
    native = await fixtureBinding('native-cpu');
  });
  afterAll(async () => {
    await kernel?.dispose();
    await native?.dispose();
  });

  const sizes = (p: number, t: number) => ({ p, t, heads: arch.n_kv_heads, headDim: arch.head_dim });

  it('agrees with onnxruntime-node within 1e-4 on a prefill and a tree after it, and runs its heads', async () => {
    const tokens = prefix.map((t) => t % arch.vocab_size);
    const [a, b] = await Promise.all([kernel, native].map((x) => x.forward(causalInput(tokens, emptyPast(arch), 0))));
    expect(maxAbsDiff(a!.logits, b!.logits)).toBeLessThan(1e-4);
    expect(maxAbsDiff(a!.hidden, b!.hidden)).toBeLessThan(1e-4);
    a!.present.forEach((layer, i) => {
      expect(maxAbsDiff(layer.key, b!.present[i]!.key)).toBeLessThan(1e-4);
      expect(maxAbsDiff(layer.value, b!.present[i]!.value)).toBeLessThan(1e-4);
    });
    const parents = [-1, 0, 0, 1, 3];
    const step = { inputIds: [1, 2, 3, 4, 9], positionIds: depths(parents).map((d) => 6 + d), mask: treeMask(parents, 6), pastLength: 6, past: b!.present };
    const [ta, tb] = await Promise.all([kernel, native].map((x) => x.forward(step)));
    expect(maxAbsDiff(ta!.logits, tb!.logits)).toBeLessThan(1e-4);
    expect(kernel.headKinds.length).toBeGreaterThan(0);
    for (const kind of kernel.headKinds) {
      const heads = await kernel.heads(kind, a!.hidden, tokens.length, undefined, tokens);
      expect(heads.logits.every(Number.isFinite)).toBe(true);
    }
  });

  it('runs the int8 variant (quantize.py\'s weights, rows quantised on their own) as onnxruntime-node runs it, within 1e-2', async () => {
    const { manifest, source } = await loadFixture();
    const file = manifest.base.variants?.['int8']?.file;
    expect(file).toBeDefined();
    const base = await source.read(file!);
    const [int8Kernel, int8Native] = await Promise.all(
      (['kernel', 'native-cpu'] as const).map((backend) => createBinding({ backend, base, heads: {}, architecture: arch })),
    );
    try {
      const tokens = prefix.map((t) => t % arch.vocab_size);
      const [a, b] = await Promise.all([int8Kernel!, int8Native!].map((x) => x.forward(causalInput(tokens, emptyPast(arch), 0))));
      expect(maxAbsDiff(a!.logits, b!.logits)).toBeLessThan(1e-2);
      const fp32 = await kernel.forward(causalInput(tokens, emptyPast(arch), 0));
      // It is the int8 model, not the fp32 one read again.
      expect(maxAbsDiff(a!.logits, fp32.logits)).toBeGreaterThan(0);
      await expectTreeRowsAreArSteps(int8Kernel!, 10);
      await expectLastRowAlone(int8Kernel!, tokens);
    } finally {
      await Promise.all([int8Kernel?.dispose(), int8Native?.dispose()]);
    }
  });

  /** Every node of random trees gets, bit for bit, the logits of its AR step after its ancestors. */
  async function expectTreeRowsAreArSteps(binding: InferenceBinding, numRuns: number): Promise<void> {
    const start = await binding.forward(causalInput(prefix, emptyPast(arch), 0));
    await fc.assert(
      fc.asyncProperty(treeParents, fc.array(fc.integer({ min: 0, max: arch.vocab_size - 1 }), { minLength: 9, maxLength: 9 }), async (parents, ids) => {
        const p = prefix.length;
        const t = parents.length;
        const tokens = ids.slice(0, t);
        const tree = await binding.forward({ inputIds: tokens, positionIds: depths(parents).map((d) => p + d), mask: treeMask(parents, p), past: start.present, pastLength: p });
        for (let node = 0; node < t; node++) {
          // The AR steps along the node's path, one token at a time.
          let past: readonly LayerKv[] = start.present;
          let logits: Float32Array = new Float32Array(0);
          for (const [i, step] of pathTo(parents, node).entries()) {
            const out = await binding.forward(causalInput([tokens[step]!], past, p + i));
            past = appendKv(past, out.present, sizes(p + i, 1));
            logits = out.logits;
          }
          expect(sameBits(rowOf(tree.logits, node, arch.vocab_size), logits)).toBe(true);
        }
      }),
      { numRuns },
    );
  }

  it('runs the heads itself, int8, on either base: the int8 heads graph\'s logits (onnxruntime-node) at every depth', async () => {
    const { heads, manifest, source } = await loadFixture();
    expect([...(kernel as KernelBinding).headsOnKernel].sort()).toEqual(Object.keys(heads).sort());
    const variant = manifest.base.variants?.['int8'];
    expect(variant?.heads).toBeDefined();
    const int8Graphs = Object.fromEntries(await Promise.all(Object.entries(variant!.heads!).map(async ([kind, file]) => [kind, await source.read(file!)])));
    const base8 = await source.read(variant!.file);
    const int8Base = (await createBinding({ backend: 'kernel', base: base8, heads, architecture: arch })) as KernelBinding;
    const reference = await createBinding({ backend: 'native-cpu', base: base8, heads: int8Graphs, architecture: arch });
    try {
      expect([...int8Base.headsOnKernel].sort()).toEqual(Object.keys(heads).sort());
      const tokens = prefix.map((t) => t % arch.vocab_size);
      const states = await reference.forward(causalInput(tokens, emptyPast(arch), 0));
      for (const onKernel of [kernel, int8Base]) {
        for (const kind of onKernel.headKinds) {
          expect(onKernel.depthSelectable).toContain(kind);
          for (let depth = 1; depth <= manifest.heads[kind]!.num_heads; depth++) {
            for (let row = 0; row < tokens.length; row += 2) {
              // One state per call, as decoding asks (quantize.py's int8 heads graph quantises a root-reading batch of one).
              const hidden = states.hidden.subarray(row * arch.d_model, (row + 1) * arch.d_model);
              const roots = onKernel.rootReading.includes(kind) ? [tokens[row]!] : undefined;
              const [a, b] = await Promise.all([onKernel, reference].map((x) => x.heads(kind, hidden, 1, depth, roots)));
              expect(a!.width).toBe(b!.width);
              expect(a!.logits.length).toBe(b!.logits.length);
              const scale = Math.max(1, ...b!.logits.map(Math.abs));
              // The same integer sums; only the float steps around them (scales, silu) may round differently.
              expect(maxAbsDiff(a!.logits, b!.logits) / scale).toBeLessThan(1e-5);
            }
          }
        }
      }
    } finally {
      await Promise.all([int8Base.dispose(), reference.dispose()]);
    }
  });

  it('runs an int8 heads graph, which it does not read, on onnxruntime: the same logits as native-cpu\'s', async () => {
    const { manifest, source, base } = await loadFixture();
    const hidden = Float32Array.from({ length: arch.d_model }, (_, i) => Math.sin(i * 0.7) * 1.5);
    const int8Heads = manifest.base.variants?.['int8']?.heads;
    const graphs = Object.fromEntries(await Promise.all(Object.entries(int8Heads ?? {}).map(async ([kind, file]) => [kind, await source.read(file!)])));
    const mixed = (await createBinding({ backend: 'kernel', base, heads: graphs, architecture: arch })) as KernelBinding;
    const reference = await createBinding({ backend: 'native-cpu', base, heads: graphs, architecture: arch });
    try {
      expect(mixed.headsOnKernel).toEqual([]);
      for (const kind of mixed.headKinds) {
        // One state, as decoding asks (quantize.py's int8 heads graph quantises a root-reading batch of one).
        const roots = mixed.rootReading.includes(kind) ? [3] : undefined;
        const [a, b] = await Promise.all([mixed, reference].map((x) => x.heads(kind, hidden, 1, undefined, roots)));
        expect(maxAbsDiff(a!.logits, b!.logits)).toBe(0);
      }
    } finally {
      await Promise.all([mixed.dispose(), reference.dispose()]);
    }
  });

  it('gives every node of any tree exactly (bit for bit) the logits of its AR step after its ancestors', () => expectTreeRowsAreArSteps(kernel, 25));

  it('computes only the last row\'s logits when asked (a prompt chunk), the same bits as that row of a full pass', () => expectLastRowAlone(kernel, prefix));

  /** `logitRows: 'last'`: logits [1, V], bit for bit the full pass's last row; hidden and K/V as the full pass's. */
  async function expectLastRowAlone(binding: InferenceBinding, tokens: readonly number[]): Promise<void> {
    const v = arch.vocab_size;
    const full = await binding.forward(causalInput(tokens, emptyPast(arch), 0));
    const last = await binding.forward({ ...causalInput(tokens, emptyPast(arch), 0), logitRows: 'last' });
    expect(last.logits.length).toBe(v);
    expect(sameBits(last.logits, full.logits.subarray((tokens.length - 1) * v))).toBe(true);
    expect(sameBits(last.hidden, full.hidden)).toBe(true);
    last.present.forEach((layer, i) => expect(sameBits(layer.key, full.present[i]!.key)).toBe(true));
  }

  it('computes the same bits on two threads, and from a cache in its own memory as from a copied one', async () => {
    const { base, heads } = await loadFixture();
    const two = await createBinding({ backend: 'kernel', base, heads, architecture: arch, threads: 2 });
    try {
      const prefill = causalInput(prefix, emptyPast(arch), 0);
      const [one, both] = [await kernel.forward(prefill), await two.forward(prefill)];
      expect(sameBits(one.logits, both.logits)).toBe(true);

      // The same past, once in plain arrays and once in the kernel's storage (as a Session's KvCache holds it).
      const cache = new KvCache(arch.n_layers, arch.n_kv_heads, arch.head_dim, 512, kernel.kvStorage);
      cache.append(prefix, one.present, prefix.length);
      const parents = [-1, 0, 1, 1];
      const step = (past: readonly LayerKv[], pastLayout: KvLayout = 'heads'): ForwardInput => ({
        inputIds: [3, 1, 4, 1], positionIds: depths(parents).map((d) => prefix.length + d), mask: treeMask(parents, prefix.length), past, pastLength: prefix.length, pastLayout,
      });
      const copied = await kernel.forward(step(one.present));
      expect(cache.layout).toBe('positions');
      const inPlace = await kernel.forward(step(cache.past(), cache.layout));
      const threaded = await two.forward(step(one.present));
      expect(sameBits(copied.logits, inPlace.logits)).toBe(true);
      expect(sameBits(copied.logits, threaded.logits)).toBe(true);
      copied.present.forEach((layer, i) => expect(sameBits(layer.key, threaded.present[i]!.key)).toBe(true));
      cache.dispose();
    } finally {
      await two.dispose();
    }
  });

  it('takes a late helper thread\'s slice over without changing a bit: with every core busy, helpers get preempted mid-step', async () => {
    const { base, heads } = await loadFixture();
    const two = (await createBinding({ backend: 'kernel', base, heads, architecture: arch, threads: 2 })) as KernelBinding;
    // One spinning thread per core beside the kernel's two, so the scheduler preempts the kernel's threads.
    const stop = new Int32Array(new SharedArrayBuffer(4));
    const hogs = Array.from({ length: availableParallelism() }, () =>
      new Worker('const { workerData } = require("node:worker_threads"); while (Atomics.load(workerData, 0) === 0) {}', { eval: true, workerData: stop }));
    try {
      const parents = [-1, 0, 1, 1, 0];
      const until = performance.now() + 20_000;
      let steps = 0;
      while ((two.helperTakeovers < 3 || steps < 50) && performance.now() < until) {
        // Other tokens every step, so a slice left uncomputed or unmerged cannot pass on a previous step's values.
        const tokens = prefix.map((t) => (t + 7 * steps) % arch.vocab_size);
        const prefill = causalInput(tokens, emptyPast(arch), 0);
        const want = await kernel.forward(prefill);
        const tree: ForwardInput = {
          inputIds: parents.map((_, i) => (steps + 3 * i) % arch.vocab_size), positionIds: depths(parents).map((d) => tokens.length + d),
          mask: treeMask(parents, tokens.length), past: want.present, pastLength: tokens.length,
        };
        const wantTree = await kernel.forward(tree);
        const [a, b] = [await two.forward(prefill), await two.forward(tree)];
        expect(sameBits(a.logits, want.logits)).toBe(true);
        expect(sameBits(b.logits, wantTree.logits)).toBe(true);
        b.present.forEach((layer, i) => expect(sameBits(layer.value, wantTree.present[i]!.value)).toBe(true));
        steps++;
      }
      expect(two.helperTakeovers).toBeGreaterThanOrEqual(3);
    } finally {
      Atomics.store(stop, 0, 1);
      await Promise.all(hogs.map((hog) => hog.terminate()));
      await two.dispose();
    }
  }, 60_000);

  it.each(['native-cpu', 'wasm'] as const)('%s runs its decoding heads on the kernel: the kernel backend\'s head logits bit for bit', async (backend) => {
    const { base, heads } = await loadFixture();
    const hybrid = await createBinding({ backend, base, heads, architecture: arch });
    const plain = await createBinding({ backend, base, heads, architecture: arch, kernelHeads: false });
    try {
      expect(hybrid.backend).toBe(backend);
      expect([...hybrid.headKinds].sort()).toEqual([...kernel.headKinds].sort());
      const tokens = prefix.map((t) => t % arch.vocab_size);
      const out = await hybrid.forward(causalInput(tokens, emptyPast(arch), 0));
      const hidden = out.hidden.slice(-2 * arch.d_model);
      const roots = [3, 9];
      for (const kind of kernel.headKinds) {
        const [a, b, c] = await Promise.all([hybrid, kernel, plain].map((x) => x.heads(kind, hidden, 2, undefined, roots)));
        expect(a!.width).toBe(b!.width);
        expect(sameBits(a!.logits, b!.logits)).toBe(true);
        // On onnxruntime (fp32 heads) the same proposals within the int8 weights' error, not the same bits.
        expect(c!.logits.length).toBe(a!.logits.length);
        expect(sameBits(a!.logits, c!.logits)).toBe(false);
        expect(maxAbsDiff(a!.logits, c!.logits)).toBeLessThan(0.1 * Math.max(1, ...Array.from(c!.logits, Math.abs)));
      }
    } finally {
      await hybrid.dispose();
      await plain.dispose();
    }
  });

  it('keeps a KvCache on its storage position-major, holding what a contract-layout cache holds through appends, growth and truncation', () => {
    const dims = [arch.n_layers, arch.n_kv_heads, arch.head_dim, 512] as const;
    const inKernel = new KvCache(...dims, kernel.kvStorage);
    const plain = new KvCache(...dims);
    const h = arch.n_kv_heads;
    const d = arch.head_dim;
    let next = 1;
    const block = (t: number): LayerKv[] =>
      Array.from({ length: arch.n_layers }, () => ({ key: Float32Array.from({ length: h * t * d }, () => next++), value: Float32Array.from({ length: h * t * d }, () => -next++) }));
    const check = () => {
      const [a, b] = [inKernel.past(), plain.past()];
      const n = plain.length;
      a.forEach((layer, l) => {
        for (let head = 0; head < h; head++) {
          for (let j = 0; j < n; j++) {
            const at = (j * h + head) * d;
            const want = (head * n + j) * d;
            expect(Array.from(layer.key.subarray(at, at + d))).toEqual(Array.from(b[l]!.key.subarray(want, want + d)));
            expect(Array.from(layer.value.subarray(at, at + d))).toEqual(Array.from(b[l]!.value.subarray(want, want + d)));
          }
        }
      });
    };
    for (let step = 0; step < 45; step++) {
      const t = 1 + (step % 5);
      const present = block(t);
      const rows = Array.from({ length: 1 + (step % t) }, (_, i) => (i * 2) % t);
      const tokens = rows.map((r) => r + step);
      inKernel.append(tokens, present, t, rows);
      plain.append(tokens, present, t, rows);
      if (step % 7 === 6) {
        inKernel.truncate(plain.length - 3);
        plain.truncate(plain.length - 3);
      }
      check();
    }
    expect(plain.length).toBeGreaterThan(64);
    inKernel.dispose();
  });

  it('hands out cache buffers in its memory, reuses released ones, and falls back to plain arrays when full', async () => {
    const storage = kernel.kvStorage!;
    const a = storage.allocate(4096);
    expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(a.every((x) => x === 0)).toBe(true);
    a.fill(1);
    storage.release(a);
    const b = storage.allocate(4096);
    expect(b.byteOffset).toBe(a.byteOffset);
    expect(b.every((x) => x === 0)).toBe(true);
    storage.release(b);

    const { base } = await loadFixture();
    // Room for the fixture's weights and one step, not for caches as well.
    const small = await createBinding({ backend: 'kernel', base, heads: {}, architecture: arch, kernelMemoryLimit: 2 * 1024 * 1024 });
    try {
      const prefill = await small.forward(causalInput(prefix, emptyPast(arch), 0));
      const big = small.kvStorage!.allocate(4 * 1024 * 1024);
      expect(big.buffer).not.toBeInstanceOf(SharedArrayBuffer);
      expect(big.length).toBe(4 * 1024 * 1024);
      expect(maxAbsDiff(prefill.logits, (await kernel.forward(causalInput(prefix, emptyPast(arch), 0))).logits)).toBe(0);
    } finally {
      await small.dispose();
    }
  });

  it('is unavailable (so auto moves on) for a graph that is not a contract base, and refuses bad input like the others', async () => {
    const { heads } = await loadFixture();
    const error = await createBinding({ backend: 'kernel', base: heads.cerberus!, heads: {}, architecture: arch }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BindingError);
    expect((error as BindingError).code).toBe('backend-unavailable');
    expect((error as BindingError).message).toMatch(/fused kernel/);
    const bad = await kernel.forward(causalInput([arch.vocab_size], emptyPast(arch), 0)).catch((e: unknown) => e);
    expect((bad as BindingError).code).toBe('invalid-input');
  });

  it('ships the module its AssemblyScript source compiles to', () => {
    const out = execFileSync(process.execPath, ['src/runtime/kernel/assembly/build.mjs', '--check'], { encoding: 'utf8' });
    expect(out).toMatch(/up to date/);
  });
});
