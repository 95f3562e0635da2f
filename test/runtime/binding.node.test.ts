/** The binding contract on every backend Node offers, plus agreement between them. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InferenceBinding } from '../../src/runtime';
import { emptyPast } from '../../src/runtime';
import { fixtureBinding, loadFixture, TEST_BACKENDS } from '../engine/support/fixture';
import { bindingContract } from './binding.case';
import { causalInput, depths, maxAbsDiff, treeMask } from './masks';

for (const backend of TEST_BACKENDS) bindingContract(backend);

describe('native and wasm agree', () => {
  let native: InferenceBinding;
  let wasm: InferenceBinding;
  beforeAll(async () => {
    native = await fixtureBinding('native-cpu');
    wasm = await fixtureBinding('wasm');
  });
  afterAll(async () => {
    await native?.dispose();
    await wasm?.dispose();
  });

  it('on a prefill, a tree step after it, and the heads (within 1e-4)', async () => {
    const { architecture: arch } = await loadFixture();
    const tokens = [4, 8, 15, 16, 23, 42].map((t) => t % arch.vocab_size);
    const [a, b] = await Promise.all([native, wasm].map((x) => x.forward(causalInput(tokens, emptyPast(arch), 0))));
    expect(maxAbsDiff(a!.logits, b!.logits)).toBeLessThan(1e-4);
    expect(maxAbsDiff(a!.hidden, b!.hidden)).toBeLessThan(1e-4);
    a!.present.forEach((layer, i) => expect(maxAbsDiff(layer.key, b!.present[i]!.key)).toBeLessThan(1e-4));

    const parents = [-1, 0, 0, 1];
    const step = { inputIds: [1, 2, 3, 4], positionIds: depths(parents).map((d) => 6 + d), mask: treeMask(parents, 6), pastLength: 6 };
    const treeA = await native.forward({ ...step, past: a!.present });
    const treeB = await wasm.forward({ ...step, past: a!.present });
    expect(maxAbsDiff(treeA.logits, treeB.logits)).toBeLessThan(1e-4);

    for (const kind of native.headKinds) {
      const [ha, hb] = await Promise.all([native, wasm].map((x) => x.heads(kind, a!.hidden, tokens.length)));
      expect(maxAbsDiff(ha!.logits, hb!.logits)).toBeLessThan(1e-4);
    }
  });
});
