/**
 * Deno smoke test: the fixture through onnxruntime-node (native addon under Deno), onnxruntime-web wasm
 * and onnxruntime-web WebGPU (Deno has navigator.gpu; on a GPU-less machine its adapter is llvmpipe,
 * software Vulkan), one prefill, one tree step and the heads each, compared with native. Uses the
 * project's node_modules only:   npm run test:deno
 * (Named *.deno.ts so vitest's `test/**\/*.test.ts` does not pick it up.)
 */
import assert from 'node:assert/strict';
import { createBinding, emptyPast, RUNTIME, type InferenceBinding } from '../../src/runtime';
import { fixtureBinding, loadFixture } from '../engine/support/fixture';
import { causalInput, depths, maxAbsDiff, treeMask } from '../runtime/masks';

declare const Deno: { test(name: string, fn: () => Promise<void>): void };

async function run(binding: InferenceBinding) {
  const { architecture: arch } = await loadFixture();
  const tokens = [2, 7, 1, 8, 2, 8].map((t) => t % arch.vocab_size);
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
  const heads = await binding.heads('cerberus', prefill.hidden, p);
  // Depth-selectable heads (docs/model-contract.md, num_heads): the If branches that skip heads.
  const shallow = await binding.heads('cerberus', prefill.hidden, p, 1);
  return { prefill, tree, heads, shallow };
}

/** `heads`: compare the heads too (the kernel's are int8: compared with the int8 heads graph's on their own). */
async function assertAgree(binding: InferenceBinding, reference: InferenceBinding, heads = true): Promise<void> {
  const [a, b] = [await run(binding), await run(reference)];
  assert.ok(maxAbsDiff(a.prefill.logits, b.prefill.logits) < 1e-4, `${binding.backend}: prefill logits differ`);
  assert.ok(maxAbsDiff(a.tree.logits, b.tree.logits) < 1e-4, `${binding.backend}: tree logits differ`);
  if (!heads) return;
  assert.ok(maxAbsDiff(a.heads.logits, b.heads.logits) < 1e-4, `${binding.backend}: heads logits differ`);
  assert.ok(maxAbsDiff(a.shallow.logits, b.shallow.logits) < 1e-4, `${binding.backend}: one-head logits differ`);
  assert.equal(a.shallow.logits.length, a.shallow.width * 6, `${binding.backend}: one head computed for the 6 prompt rows`);
}

Deno.test('Deno: native and wasm load the fixture and agree; auto picks native', async () => {
  assert.equal(RUNTIME.isDeno, true);
  assert.equal(RUNTIME.isNode, false);
  const native = await fixtureBinding('native-cpu');
  const wasm = await fixtureBinding('wasm');
  const auto = await fixtureBinding('auto');
  try {
    assert.equal(native.backend, 'native-cpu');
    assert.equal(wasm.backend, 'wasm');
    assert.match(auto.backend, /^native-/);
    await assertAgree(wasm, native);
  } finally {
    await Promise.all([native.dispose(), wasm.dispose(), auto.dispose()]);
  }
});

Deno.test('Deno: explicit webgpu runs on the adapter Deno finds and agrees with native', async () => {
  assert.equal(RUNTIME.hasWebGpu, true);
  const { base, heads, architecture } = await loadFixture();
  const logs: string[] = [];
  const gpu = await createBinding({ backend: 'webgpu', base, heads, architecture, log: (m) => logs.push(m) });
  // The GPU's heads are the fp32 graph's: so are these (native-cpu's run on the fused kernel, int8, by default).
  const native = await createBinding({ backend: 'native-cpu', base, heads, architecture, kernelHeads: false });
  try {
    console.log(`explicit webgpu ran on: ${gpu.backend}`);
    if (gpu.backend === 'webgpu') {
      assert.equal(gpu.backendClass, 'gpu');
      await assertAgree(gpu, native);
    } else {
      // No adapter at all on this machine: the degradation must say why.
      assert.equal(gpu.backend, 'wasm');
      assert.match(logs.join('\n'), /skipping webgpu: WebGPU unavailable/);
    }
  } finally {
    await Promise.all([gpu.dispose(), native.dispose()]);
  }
});

Deno.test('Deno: the fused kernel runs on one thread (its helpers are Node worker_threads) and agrees with native', async () => {
  const { base, heads, architecture, manifest, source } = await loadFixture();
  const kernel = await createBinding({ backend: 'kernel', base, heads, architecture });
  const native = await fixtureBinding('native-cpu');
  // The kernel's heads are int8, quantised as the int8 heads graph is (kernel-heads.ts): that graph's logits.
  const int8Heads = manifest.base.variants?.['int8']?.heads?.cerberus;
  assert.ok(int8Heads !== undefined, 'the fixture has int8 heads');
  const native8 = await createBinding({ backend: 'native-cpu', base, heads: { cerberus: await source.read(int8Heads) }, architecture });
  try {
    assert.equal(kernel.backend, 'kernel');
    await assertAgree(kernel, native, false);
    // One state per call: the int8 heads graph quantises a batch of one.
    const prefill = await native.forward(causalInput([2, 7, 1], emptyPast(architecture), 0));
    const state = prefill.hidden.subarray(2 * architecture.d_model);
    for (const depth of [1, undefined]) {
      const [got, want] = await Promise.all([kernel, native8].map((b) => b.heads('cerberus', state, 1, depth)));
      const scale = Math.max(1, ...want!.logits.map(Math.abs));
      assert.ok(maxAbsDiff(got!.logits, want!.logits) / scale < 1e-5, `kernel: int8 heads logits differ (depth ${depth ?? 'all'})`);
    }
    // More threads than Deno can give: the kernel is unavailable, so auto takes onnxruntime-node.
    await assert.rejects(createBinding({ backend: 'kernel', base, heads, architecture, threads: 2 }), /helper threads need Node/);
  } finally {
    await Promise.all([kernel.dispose(), native.dispose(), native8.dispose()]);
  }
});
