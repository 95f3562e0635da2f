/**
 * The InferenceBinding contract, run against every backend the host offers (binding.node.test.ts,
 * binding.workerd.test.ts): the same file, the real ONNX Runtime, the tiny fixture model.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackendRequest, ForwardOutput, InferenceBinding, LayerKv, ModelArchitecture } from '../../src/runtime';
import { BindingError, emptyPast } from '../../src/runtime';
import { fixtureBinding, loadFixture } from '../engine/support/fixture';
import { appendKv, causalInput, depths, maxAbsDiff, pathTo, rowOf, treeMask } from './masks';

const TOLERANCE = 1e-4;

async function expectBindingError(promise: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BindingError);
  expect((error as BindingError).code).toBe(code);
  expect((error as BindingError).message).toMatch(message);
}

export function bindingContract(backend: BackendRequest): void {
  describe(`InferenceBinding contract: ${backend}`, () => {
    let binding: InferenceBinding;
    let arch: ModelArchitecture;
    let tokens: number[];

    beforeAll(async () => {
      arch = (await loadFixture()).architecture;
      binding = await fixtureBinding(backend);
      tokens = [5, 17, 42, 7, 3, 61, 29, 11].map((t) => t % arch.vocab_size);
    });
    afterAll(() => binding?.dispose());

    const kvSizes = (p: number, t: number) => ({ p, t, heads: arch.n_kv_heads, headDim: arch.head_dim });

    it('runs on the backend it was asked for', () => {
      expect(binding.backend).toBe(backend);
      expect(binding.backendClass).toBe(backend === 'wasm' ? 'wasm' : 'native');
    });

    it('returns the contract shapes for a block of T tokens over an empty cache (P = 0)', async () => {
      const t = 3;
      const out = await binding.forward(causalInput(tokens.slice(0, t), emptyPast(arch), 0));
      expect(out.logits.length).toBe(t * arch.vocab_size);
      expect(out.hidden.length).toBe(t * arch.d_model);
      expect(out.present.length).toBe(arch.n_layers);
      for (const layer of out.present) {
        expect(layer.key.length).toBe(arch.n_kv_heads * t * arch.head_dim);
        expect(layer.value.length).toBe(arch.n_kv_heads * t * arch.head_dim);
      }
      expect(out.logits.every(Number.isFinite)).toBe(true);
      expect(out.modelMs).toBeGreaterThanOrEqual(0);
    });

    it('gives a block of T tokens the logits of feeding them one by one through the cache', async () => {
      const block = await binding.forward(causalInput(tokens, emptyPast(arch), 0));
      let past: LayerKv[] = emptyPast(arch);
      for (let i = 0; i < tokens.length; i++) {
        const step = await binding.forward(causalInput([tokens[i] as number], past, i));
        expect(maxAbsDiff(step.logits, rowOf(block.logits, i, arch.vocab_size))).toBeLessThan(TOLERANCE);
        expect(maxAbsDiff(step.hidden, rowOf(block.hidden, i, arch.d_model))).toBeLessThan(TOLERANCE);
        past = appendKv(past, step.present, kvSizes(i, 1));
      }
      // The cache built step by step is the block's own new K/V.
      for (let layer = 0; layer < arch.n_layers; layer++) {
        expect(maxAbsDiff(past[layer]!.key, block.present[layer]!.key)).toBeLessThan(TOLERANCE);
        expect(maxAbsDiff(past[layer]!.value, block.present[layer]!.value)).toBeLessThan(TOLERANCE);
      }
    });

    it('gives a block after a non-empty cache (P > 0, T > 1) the logits of the whole sequence', async () => {
      const p = 3;
      const whole = await binding.forward(causalInput(tokens, emptyPast(arch), 0));
      const prefix = await binding.forward(causalInput(tokens.slice(0, p), emptyPast(arch), 0));
      const rest = await binding.forward(causalInput(tokens.slice(p), prefix.present, p));
      const v = arch.vocab_size;
      expect(maxAbsDiff(rest.logits, whole.logits.subarray(p * v))).toBeLessThan(TOLERANCE);
    });

    it('gives each node of a tree mask the logits of its path run causally', async () => {
      const p = 3;
      //          0
      //        /   \
      //       1     2
      //      / \     \
      //     3   4     5
      //     |
      //     6
      const parents = [-1, 0, 0, 1, 1, 2, 3];
      const nodeTokens = [9, 14, 40, 2, 77, 31, 50].map((t) => t % arch.vocab_size);
      const prefix = await binding.forward(causalInput(tokens.slice(0, p), emptyPast(arch), 0));
      const tree = await binding.forward({
        inputIds: nodeTokens,
        positionIds: depths(parents).map((d) => p + d),
        mask: treeMask(parents, p),
        past: prefix.present,
        pastLength: p,
      });
      for (let node = 0; node < parents.length; node++) {
        const path = pathTo(parents, node).map((i) => nodeTokens[i] as number);
        const causal = await binding.forward(causalInput(path, prefix.present, p));
        const last = rowOf(causal.logits, path.length - 1, arch.vocab_size);
        expect(maxAbsDiff(rowOf(tree.logits, node, arch.vocab_size), last)).toBeLessThan(TOLERANCE);
      }
    });

    it('runs every loaded head kind: [N, K, V], deterministic, each row independent of the batch', async () => {
      const states = (await binding.forward(causalInput(tokens.slice(0, 3), emptyPast(arch), 0))).hidden;
      expect(binding.headKinds.length).toBeGreaterThan(0);
      for (const kind of binding.headKinds) {
        const k = arch.decoding_heads?.[kind] as number;
        const first = await binding.heads(kind, states, 3);
        const width = k * first.width; // V, or the shortlist's size
        const again = await binding.heads(kind, states, 3);
        expect(first.logits.length).toBe(3 * width);
        expect(Array.from(again.logits)).toEqual(Array.from(first.logits));
        for (let row = 0; row < 3; row++) {
          const single = await binding.heads(kind, rowOf(states, row, arch.d_model).slice(), 1);
          expect(maxAbsDiff(single.logits, rowOf(first.logits, row, width))).toBeLessThan(TOLERANCE);
        }
      }
    });

    it('computes only the heads asked for where the graph takes num_heads: the first d heads of the full call', async () => {
      const states = (await binding.forward(causalInput(tokens.slice(0, 2), emptyPast(arch), 0))).hidden;
      expect(binding.depthSelectable.length).toBeGreaterThan(0); // the fixture's graphs are rewritten by depth_heads.py
      for (const kind of binding.depthSelectable) {
        const k = arch.decoding_heads?.[kind] as number;
        const { logits: full, width: v } = await binding.heads(kind, states, 2);
        for (let d = 1; d <= k + 1; d++) {
          const got = (await binding.heads(kind, states, 2, d)).logits;
          const want = Math.min(d, k);
          expect(got.length).toBe(2 * want * v);
          for (let row = 0; row < 2; row++) {
            const expected = full.subarray(row * k * v, (row * k + want) * v);
            expect(Array.from(got.subarray(row * want * v, (row + 1) * want * v))).toEqual(Array.from(expected));
          }
        }
      }
      await expectBindingError(binding.heads(binding.headKinds[0]!, states, 2, 0), 'invalid-input', /depth must be an integer >= 1/);
    });

    it('reads typed-array views at an offset into larger buffers (how a packed cache hands them over)', async () => {
      const p = 3;
      const prefix = await binding.forward(causalInput(tokens.slice(0, p), emptyPast(arch), 0));
      const inBigger = (data: Float32Array): Float32Array => {
        const buffer = new Float32Array(data.length + 13).fill(Number.NaN);
        buffer.set(data, 7);
        return buffer.subarray(7, 7 + data.length);
      };
      const plain = causalInput(tokens.slice(p, p + 2), prefix.present, p);
      const viewed = {
        ...plain,
        mask: inBigger(plain.mask),
        past: prefix.present.map((layer) => ({ key: inBigger(layer.key), value: inBigger(layer.value) })),
      };
      const [a, b] = [await binding.forward(plain), await binding.forward(viewed)];
      expect(Array.from(b.logits)).toEqual(Array.from(a.logits));
      const kind = binding.headKinds[0]!;
      const headsPlain = await binding.heads(kind, a.hidden.slice(), 2);
      const headsViewed = await binding.heads(kind, inBigger(a.hidden), 2);
      expect(Array.from(headsViewed.logits)).toEqual(Array.from(headsPlain.logits));
    });

    it('serialises overlapping calls: concurrent forwards equal sequential ones', async () => {
      const inputs = [1, 2, 3, 4].map((t) => causalInput(tokens.slice(0, t), emptyPast(arch), 0));
      const sequential: ForwardOutput[] = [];
      for (const input of inputs) sequential.push(await binding.forward(input));
      const concurrent = await Promise.all(inputs.map((input) => binding.forward(input)));
      concurrent.forEach((out, i) => expect(Array.from(out.logits)).toEqual(Array.from(sequential[i]!.logits)));
    });

    it('rejects malformed inputs with typed errors before they reach ONNX Runtime', async () => {
      const good = causalInput(tokens.slice(0, 2), emptyPast(arch), 0);
      await expectBindingError(binding.forward({ ...good, mask: new Float32Array(3) }), 'invalid-input', /mask has 3 entries/);
      await expectBindingError(
        binding.forward({ ...good, inputIds: [1, arch.vocab_size] }),
        'invalid-input',
        /inputIds\[1\].*not a token id/,
      );
      await expectBindingError(binding.forward({ ...good, inputIds: [1, -1] }), 'invalid-input', /inputIds\[1\]/);
      await expectBindingError(binding.forward({ ...good, inputIds: [] }), 'invalid-input', /empty/);
      await expectBindingError(binding.forward({ ...good, positionIds: [0] }), 'invalid-input', /positionIds/);
      // Claims one cached position but hands over an empty cache.
      await expectBindingError(
        binding.forward({ ...causalInput(tokens.slice(0, 2), emptyPast(arch), 1) }),
        'invalid-input',
        /past\[0\].*pastLength = 1/,
      );
      await expectBindingError(binding.forward({ ...good, past: [] }), 'invalid-input', /past has 0 layers/);
      await expectBindingError(binding.heads(binding.headKinds[0]!, new Float32Array(5), 1), 'invalid-input', /hidden has 5/);
      const absent = (['cerberus', 'medusa'] as const).find((kind) => !binding.headKinds.includes(kind));
      if (absent !== undefined) {
        await expectBindingError(binding.heads(absent, new Float32Array(arch.d_model), 1), 'missing-heads', /no .* heads/);
      }
      // Still usable after the rejections.
      expect((await binding.forward(good)).logits.length).toBe(2 * arch.vocab_size);
    });

    it('refuses calls after dispose()', async () => {
      const own = await fixtureBinding(backend);
      await own.dispose();
      await expectBindingError(own.forward(causalInput([1], emptyPast(arch), 0)), 'disposed', /disposed/);
    });
  });
}
