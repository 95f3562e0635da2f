/**
 * Deno smoke test: the fixture through onnxruntime-node (native addon under Deno) and onnxruntime-web
 * wasm, one prefill and one tree step each, results compared. Uses the project's node_modules only.
 *   npm run test:deno
 * (Named *.deno.ts so vitest's `test/**\/*.test.ts` does not pick it up.)
 */
import assert from 'node:assert/strict';
import { emptyPast, RUNTIME, type InferenceBinding } from '../../src/runtime';
import { fixtureBinding, loadFixture } from '../engine/support/fixture';
import { causalInput, depths, maxAbsDiff, treeMask } from '../runtime/masks';

declare const Deno: { test(name: string, fn: () => Promise<void>): void };

Deno.test('Deno: native and wasm bindings load the fixture and agree', async () => {
  assert.equal(RUNTIME.isDeno, true);
  assert.equal(RUNTIME.isNode, false);
  const { architecture: arch } = await loadFixture();
  const native = await fixtureBinding('native-cpu');
  const wasm = await fixtureBinding('wasm');
  const auto = await fixtureBinding('auto');
  try {
    assert.equal(native.backend, 'native-cpu');
    assert.equal(wasm.backend, 'wasm');
    assert.match(auto.backend, /^native-/);
    const tokens = [2, 7, 1, 8, 2, 8].map((t) => t % arch.vocab_size);
    const run = async (binding: InferenceBinding) => {
      const prefill = await binding.forward(causalInput(tokens, emptyPast(arch), 0));
      const parents = [-1, 0, 0, 1];
      const p = tokens.length;
      const tree = await binding.forward({
        inputIds: [3, 1, 4, 1],
        positionIds: depths(parents).map((d) => p + d),
        mask: treeMask(parents, p),
        past: prefill.present,
        pastLength: p,
      });
      const kind = binding.headKinds[0];
      const heads = kind === undefined ? undefined : await binding.heads(kind, prefill.hidden, p);
      return { prefill, tree, heads };
    };
    const a = await run(native);
    const b = await run(wasm);
    assert.equal(a.prefill.logits.length, tokens.length * arch.vocab_size);
    assert.ok(maxAbsDiff(a.prefill.logits, b.prefill.logits) < 1e-4, 'prefill logits differ');
    assert.ok(maxAbsDiff(a.tree.logits, b.tree.logits) < 1e-4, 'tree logits differ');
    if (a.heads !== undefined && b.heads !== undefined) {
      assert.ok(maxAbsDiff(a.heads.logits, b.heads.logits) < 1e-4, 'heads logits differ');
    }
  } finally {
    await Promise.all([native.dispose(), wasm.dispose(), auto.dispose()]);
  }
});
