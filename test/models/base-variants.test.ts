// The graph writer (base_graph.py via rewrite_base.py), the int8 variant (quantize.py) and the GGUF rope
// permutation, on the committed model folders: real Python tools, real onnxruntime, the real engine.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ortNode from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWebOrt, runParity } from '../../models/tools/parity.mjs';
import type { ModelSource } from '../../src/types';
import { loadModel, type Model } from '../../src/engine/model';
import { REPO_ROOT } from './model-folders';

const PYTHON = '/usr/bin/python3';
const TOOLS = path.join(REPO_ROOT, 'models/tools');

function python(...args: string[]): string {
  const r = spawnSync(PYTHON, args, { cwd: REPO_ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}

function folderSource(dir: string, reads: string[] = []): ModelSource {
  return {
    read: async (name: string) => {
      reads.push(name);
      return new Uint8Array(fs.readFileSync(path.join(dir, name)));
    },
  };
}

async function greedy(model: Model, prompt: string, mode: 'ar' | 'cerberus', maxTokens = 40): Promise<number[]> {
  const session = model.createSession({ gatePolicy: { adaptive: true, threshold: 9, min: 0, max: 9, explorationRate: 0 } });
  const tokens: number[] = [];
  for await (const event of session.generate(model.tokenizer.encode(prompt), { maxTokens, sampling: { kind: 'greedy' }, mode, gate: false })) {
    if (event.type === 'tokens') tokens.push(...event.tokenIds);
  }
  return tokens;
}

function kernelCount(file: string): number {
  return Number(python('-c', `import onnx; print(len([n for n in onnx.load(${JSON.stringify(file)}).graph.node if n.op_type != "Constant"]))`).trim());
}

const PROMPTS = ['Once upon a time, there was a little', 'The dog ran to the park and'];

describe.each(['test/fixtures/tiny', 'models/tinystories-6m'])('base graph writer on %s', (folder) => {
  const src = path.join(REPO_ROOT, folder);
  let out: string;
  beforeAll(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'base-graph-'));
    python(path.join(TOOLS, 'rewrite_base.py'), src, out);
  }, 120_000);
  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

  it('matches PyTorch (parity.json) within 1e-3 on onnxruntime-node and -web', async () => {
    for (const ort of [ortNode, await loadWebOrt()]) {
      const { result, tolerance } = await runParity(ort, out);
      for (const [check, diff] of Object.entries<number>(result)) expect({ check, ok: diff <= tolerance }).toEqual({ check, ok: true });
    }
  }, 120_000);

  it('has at most 48 nodes a layer (the torch.onnx trace: ~118), and reading its weights back rewrites the same file', () => {
    const layers = JSON.parse(fs.readFileSync(path.join(src, 'manifest.json'), 'utf8')).architecture.n_layers as number;
    expect(kernelCount(path.join(out, 'base.onnx'))).toBeLessThanOrEqual(48 * layers + 20);
    const again = fs.mkdtempSync(path.join(os.tmpdir(), 'base-graph-'));
    python(path.join(TOOLS, 'rewrite_base.py'), out, again);
    expect(fs.readFileSync(path.join(again, 'base.onnx')).equals(fs.readFileSync(path.join(out, 'base.onnx')))).toBe(true);
    fs.rmSync(again, { recursive: true, force: true });
  }, 120_000);

  it('gives the engine the same greedy tokens as the traced graph', async () => {
    const traced = await loadModel(folderSource(src), { backend: 'native-cpu', log: () => {} });
    const written = await loadModel(folderSource(out), { backend: 'native-cpu', log: () => {} });
    try {
      for (const prompt of PROMPTS) expect(await greedy(written, prompt, 'ar')).toEqual(await greedy(traced, prompt, 'ar'));
    } finally {
      await Promise.all([traced.dispose(), written.dispose()]);
    }
  }, 120_000);
});

describe('int8 base variant (quantize.py --into-folder) on the tiny fixture', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'int8-'));
    python(path.join(TOOLS, 'rewrite_base.py'), path.join(REPO_ROOT, 'test/fixtures/tiny'), dir);
    python(path.join(TOOLS, 'quantize.py'), dir, '--into-folder');
  }, 120_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is listed in the manifest with a perplexity close to fp32', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    const int8 = manifest.base.variants.int8;
    expect(int8.file).toBe('base-int8.onnx');
    expect(int8.heads).toEqual({ cerberus: 'heads-cerberus-int8.onnx', medusa: 'heads-medusa-int8.onnx' });
    expect(manifest.files['base-int8.onnx'].bytes).toBe(fs.statSync(path.join(dir, 'base-int8.onnx')).size);
    expect(Math.abs(int8.valid_ppl / int8.valid_ppl_fp32 - 1)).toBeLessThan(0.02);
  });

  it('Cerberus on the int8 model (int8 base and heads) emits exactly that model\'s AR tokens; each load reads only its own files', async () => {
    const wasmReads: string[] = [];
    const wasm = await loadModel(folderSource(dir, wasmReads), { backend: 'wasm', log: () => {} });
    await wasm.dispose();
    expect(wasmReads.filter((f) => f.includes('int8'))).toEqual([]);
    const int8Reads: string[] = [];
    const int8 = await loadModel(folderSource(dir, int8Reads), { backend: 'native-cpu', baseVariant: 'int8', log: () => {} });
    expect(int8Reads).toEqual(expect.arrayContaining(['base-int8.onnx', 'heads-cerberus-int8.onnx', 'heads-medusa-int8.onnx']));
    expect(int8Reads).not.toContain('base.onnx');
    try {
      for (const prompt of PROMPTS) {
        const ar = await greedy(int8, prompt, 'ar');
        expect(ar.length).toBeGreaterThan(0);
        expect(await greedy(int8, prompt, 'cerberus')).toEqual(ar);
      }
    } finally {
      await int8.dispose();
    }
  }, 120_000);

  it('an fp32 base on native-cpu proposes with the int8 heads (never reading base-int8; headsVariant fp32 opts out), and its output stays the fp32 AR', async () => {
    const reads: string[] = [];
    const mixed = await loadModel(folderSource(dir, reads), { backend: 'native-cpu', log: () => {} });
    expect(reads).toEqual(expect.arrayContaining(['base.onnx', 'heads-cerberus-int8.onnx']));
    expect(reads).not.toContain('base-int8.onnx');
    const ownReads: string[] = [];
    await (await loadModel(folderSource(dir, ownReads), { backend: 'native-cpu', headsVariant: 'fp32', log: () => {} })).dispose();
    expect(ownReads.filter((f) => f.includes('int8'))).toEqual([]);
    const wasm = await loadModel(folderSource(dir), { backend: 'wasm', log: () => {} });
    try {
      for (const prompt of PROMPTS) {
        const ar = await greedy(wasm, prompt, 'ar');
        expect(await greedy(mixed, prompt, 'ar')).toEqual(ar);
        expect(await greedy(mixed, prompt, 'cerberus')).toEqual(ar);
      }
    } finally {
      await Promise.all([mixed.dispose(), wasm.dispose()]);
    }
  }, 120_000);

  // A row's quantisation scale and int32 sums are its own, and the int8 graph pads the softmax's keys
  // (base_graph.py), so nothing else in a row's result depends on how many rows run with it — except
  // onnxruntime-node's 1-row MatMul path, hence its runs of 2+ rows (min_rows_per_run). (The fp32 graph is
  // not padded: on wasm its chain rows differ from their AR steps in the last bits; it branches anyway.)
  it.each([
    ['onnxruntime-node', 'base-int8.onnx', 2],
    ['onnxruntime-node', 'base.onnx', 2],
    ['onnxruntime-web (wasm)', 'base-int8.onnx', 1],
  ] as const)('%s, %s: each row of a causal block has the logits of the AR step at its position, bit for bit (runs of %i+ rows)', async (runtime, file, minRows) => {
    const ort = (runtime === 'onnxruntime-node' ? ortNode : await loadWebOrt()) as typeof ortNode;
    const arch = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')).architecture;
    const { n_layers: layers, n_kv_heads: heads, head_dim: dh, vocab_size: vocab } = arch;
    const session = await ort.InferenceSession.create(fs.readFileSync(path.join(dir, file)), runtime === 'onnxruntime-node' ? { intraOpNumThreads: 1 } : {});
    type Kv = Float32Array[]; // per layer: key, value ([1, H, P, Dh] each)
    const run = async (past: Kv, p: number, ids: number[]) => {
      const t = Math.max(minRows, ids.length); // a short run gets pad rows that see only themselves
      const mask = new Float32Array(t * (p + t)).fill(-10000);
      for (let i = 0; i < t; i++) for (let j = 0; j < p + t; j++) if (j < p || j - p === i || (i < ids.length && j - p < i)) mask[i * (p + t) + j] = 0;
      const padded = [...ids, ...Array<number>(t - ids.length).fill(ids[ids.length - 1]!)];
      const feeds: Record<string, ortNode.Tensor> = {
        input_ids: new ort.Tensor('int64', BigInt64Array.from(padded, BigInt), [1, t]),
        position_ids: new ort.Tensor('int64', BigInt64Array.from(padded.map((_, i) => BigInt(p + Math.min(i, ids.length - 1)))), [1, t]),
        attention_mask: new ort.Tensor('float32', mask, [1, 1, t, p + t]),
      };
      for (let l = 0; l < layers; l++) {
        feeds[`past.${l}.key`] = new ort.Tensor('float32', past[2 * l]!, [1, heads, p, dh]);
        feeds[`past.${l}.value`] = new ort.Tensor('float32', past[2 * l + 1]!, [1, heads, p, dh]);
      }
      const out = await session.run(feeds);
      const next: Kv = [];
      for (let l = 0; l < layers; l++) {
        for (const [k, kv] of [['key', 0], ['value', 1]] as const) {
          const add = out[`new.${l}.${k}`]!.data as Float32Array;
          const joined = new Float32Array(heads * (p + ids.length) * dh);
          for (let h = 0; h < heads; h++) {
            joined.set(past[2 * l + kv]!.subarray(h * p * dh, (h + 1) * p * dh), h * (p + ids.length) * dh);
            joined.set(add.subarray(h * t * dh, h * t * dh + ids.length * dh), h * (p + ids.length) * dh + p * dh);
          }
          next.push(joined);
        }
      }
      return { logits: out['logits']!.data as Float32Array, next };
    };
    let rows = 0;
    // Cache lengths on both sides of multiples of the pad's (8), so the padding differs between the runs.
    for (const [promptLength, blockLength] of [[3, 2], [7, 5], [12, 9], [29, 6], [33, 4]] as const) {
      const prompt = Array.from({ length: promptLength }, (_, i) => (i * 37 + blockLength) % vocab);
      const block = Array.from({ length: blockLength }, (_, i) => (i * 53 + 11) % vocab);
      const prefill = await run(Array.from({ length: 2 * layers }, () => new Float32Array(0)), 0, prompt);
      const together = await run(prefill.next, promptLength, block);
      let past = prefill.next;
      for (const [i, id] of block.entries()) {
        const step = await run(past, promptLength + i, [id]);
        past = step.next;
        expect(Array.from(step.logits.subarray(0, vocab))).toEqual(Array.from(together.logits.subarray(i * vocab, (i + 1) * vocab)));
        rows++;
      }
    }
    expect(rows).toBe(26);
    await session.release();
  });

  it('an unknown variant is a clear invalid-options error', async () => {
    await expect(loadModel(folderSource(dir), { backend: 'native-cpu', baseVariant: 'int4' })).rejects.toMatchObject({
      code: 'invalid-options',
      message: expect.stringContaining('has: int8'),
    });
  });
});

describe('export_gguf rope permutation', () => {
  it('llama.cpp-style adjacent-pair rotary on the permuted rows equals our rotate-half rotary', () => {
    const script = `
import sys; sys.path.insert(0, ${JSON.stringify(TOOLS)})
import numpy as np
from export_gguf import rope_interleave_rows
H, Dh, D, pos, theta = 4, 16, 24, 7, 10000.0
rng = np.random.default_rng(0)
w, x = rng.standard_normal((H * Dh, D)), rng.standard_normal(D)
inv = theta ** -(np.arange(0, Dh // 2) / (Dh // 2)); c, s = np.cos(pos * inv), np.sin(pos * inv)
q = (w @ x).reshape(H, Dh); a, b = q[:, :Dh // 2], q[:, Dh // 2:]
ours = np.concatenate([a * c - b * s, b * c + a * s], axis=1)            # rotate-half
p = (rope_interleave_rows(w, H) @ x).reshape(H, Dh // 2, 2); e, o = p[..., 0], p[..., 1]
theirs = np.stack([e * c - o * s, o * c + e * s], axis=-1).reshape(H, Dh)  # adjacent pairs (llama.cpp)
back = theirs.reshape(H, Dh // 2, 2).transpose(0, 2, 1).reshape(H, Dh)    # same pairing, our order
print(float(np.abs(back - ours).max()))
`;
    expect(Number(python('-c', script).trim())).toBeLessThan(1e-9);
  });
});
