/**
 * A minimal Worker wired the way the service's entry must be: static `.wasm` imports handed to
 * provideKernelModule, provideWasmModule and provideRowStatsModule, model bytes fetched at request time.
 * workerd-bundle.test.ts bundles it with wrangler and runs the bundle in Miniflare, so wrangler's bundling
 * (no script URL, no onnxruntime-node) is tested, not only the vitest pool's module loader.
 */
import ortWasm from 'onnxruntime-web/ort-wasm-simd-threaded.wasm';
import decoderWasm from '../../../src/runtime/kernel/decoder-fma.wasm';
import rowStatsWasm from '../../../src/runtime/kernel/row-stats.wasm';
import { createBinding, emptyPast, provideKernelModule, provideWasmModule, type BackendRequest } from '../../../src/runtime';
import { distribution } from '../../../src/sampling/logits';
import { provideRowStatsModule, rowStats } from '../../../src/sampling/row-stats';

provideKernelModule(decoderWasm);
provideWasmModule(ortWasm);
provideRowStatsModule(rowStatsWasm);

interface Env {
  readonly FIXTURE: Fetcher;
}

interface Probe {
  readonly architecture: { vocab_size: number; d_model: number; n_layers: number; n_kv_heads: number; head_dim: number };
  readonly tokens: number[];
  readonly backend: BackendRequest;
  /** The Cerberus heads loaded beside the base (the kernel checks its own against onnxruntime-web's). */
  readonly heads: number;
}

async function read(env: Env, name: string): Promise<Uint8Array> {
  const response = await env.FIXTURE.fetch(`https://fixture/${name}`);
  return new Uint8Array(await response.arrayBuffer());
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const { architecture, tokens, backend, heads } = await request.json<Probe>();
    const binding = await createBinding({
      backend,
      base: await read(env, 'base.onnx'),
      heads: { cerberus: await read(env, 'heads-cerberus.onnx') },
      architecture: { ...architecture, decoding_heads: { cerberus: heads } },
    });
    const t = tokens.length;
    const mask = new Float32Array(t * t);
    for (let i = 0; i < t; i++) mask.fill(-10000, i * t + i + 1, (i + 1) * t);
    const out = await binding.forward({
      inputIds: tokens,
      positionIds: tokens.map((_, i) => i),
      mask,
      past: emptyPast(architecture),
      pastLength: 0,
    });
    const headLogits = await binding.heads('cerberus', out.hidden.subarray((t - 1) * architecture.d_model), 1, heads, [tokens[t - 1]!]);
    await binding.dispose();
    const last = out.logits.subarray((t - 1) * architecture.vocab_size);
    return Response.json({
      backend: binding.backend,
      logits: Array.from(out.logits),
      headLogits: Array.from(headLogits.logits),
      headsOnKernel: 'headsOnKernel' in binding ? binding.headsOnKernel : [],
      // The gate's entropy pass on the last row, and whether it ran in wasm.
      rowStats: rowStats() !== undefined,
      entropy: distribution(last).entropy,
    });
  },
};
