// The exported graphs follow docs/model-contract.md: names, shapes, an empty cache (P = 0), and a cache
// built one token at a time gives the same logits as one causal block (keys are cached already rotated).
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, modelFolders, readJson } from './model-folders';

type Feeds = Record<string, ort.Tensor>;

function blockFeeds(a: any, ids: number[], P: number, past: Record<string, ort.Tensor> | null): Feeds {
  const T = ids.length;
  const mask = new Float32Array(T * (P + T));
  for (let t = 0; t < T; t++) for (let s = P + t + 1; s < P + T; s++) mask[t * (P + T) + s] = -10000;
  const feeds: Feeds = {
    input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, T]),
    position_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map((_, i) => BigInt(P + i))), [1, T]),
    attention_mask: new ort.Tensor('float32', mask, [1, 1, T, P + T]),
  };
  for (let i = 0; i < a.n_layers; i++) for (const k of ['key', 'value']) {
    feeds[`past.${i}.${k}`] = past?.[`new.${i}.${k}`] ?? new ort.Tensor('float32', new Float32Array(0), [1, a.n_kv_heads, 0, a.head_dim]);
  }
  return feeds;
}

/** Concatenate two caches [1, H, P, Dh] + [1, H, T, Dh] along the sequence axis (what the engine does). */
function appendKv(a: { head_dim: number }, past: ort.Tensor, fresh: ort.Tensor): ort.Tensor {
  const [, H = 0, P = 0] = past.dims;
  const T = fresh.dims[2] ?? 0;
  const Dh = a.head_dim;
  const out = new Float32Array(H * (P + T) * Dh);
  for (let h = 0; h < H; h++) {
    out.set((past.data as Float32Array).subarray(h * P * Dh, (h + 1) * P * Dh), h * (P + T) * Dh);
    out.set((fresh.data as Float32Array).subarray(h * T * Dh, (h + 1) * T * Dh), h * (P + T) * Dh + P * Dh);
  }
  return new ort.Tensor('float32', out, [1, H, P + T, Dh]);
}

describe.each(modelFolders())('ONNX contract of %s', (folder) => {
  const m = readJson(folder, 'manifest.json');
  const a = m.architecture;
  const open = (file: string) => ort.InferenceSession.create(fs.readFileSync(path.join(REPO_ROOT, folder, file)));
  const kvNames = (prefix: string) => Array.from({ length: a.n_layers }, (_, i) => [`${prefix}.${i}.key`, `${prefix}.${i}.value`]).flat();

  it('base.onnx has the contract inputs and outputs, with only the new K/V returned', async () => {
    const base = await open(m.base.file);
    expect(base.inputNames).toEqual(['input_ids', 'position_ids', 'attention_mask', ...kvNames('past')]);
    expect(base.outputNames).toEqual(['logits', 'hidden_states', ...kvNames('new')]);
    const out = await base.run(blockFeeds(a, [5, 6, 7], 0, null));
    expect(out.logits!.dims).toEqual([1, 3, a.vocab_size]);
    expect(out.hidden_states!.dims).toEqual([1, 3, a.d_model]);
    expect(out['new.0.key']!.dims).toEqual([1, a.n_kv_heads, 3, a.head_dim]);
  });

  it('one token at a time through the cache equals one causal block', async () => {
    const base = await open(m.base.file);
    const ids = [11, 3, 42, 7, 19, 2];
    const block = (await base.run(blockFeeds(a, ids, 0, null))).logits!.data as Float32Array;
    let past: Record<string, ort.Tensor> | null = null;
    let maxDiff = 0;
    for (let t = 0; t < ids.length; t++) {
      const out = await base.run(blockFeeds(a, [ids[t]!], t, past));
      const row = out.logits!.data as Float32Array;
      for (let v = 0; v < a.vocab_size; v++) maxDiff = Math.max(maxDiff, Math.abs(row[v]! - block[t * a.vocab_size + v]!));
      const next: Record<string, ort.Tensor> = {};
      for (const name of kvNames('new')) next[name] = past ? appendKv(a, past[name]!, out[name]!) : out[name]!;
      past = next;
    }
    expect(maxDiff).toBeLessThan(1e-4);
  });

  it.each(['cerberus', 'medusa'])('heads-%s.onnx maps hidden_states [N, D] (and root_token [N], num_heads d) to head_logits [N, d, V or shortlist size]', async (kind) => {
    const heads = await open(m.heads[kind].file);
    expect(heads.outputNames).toEqual(['head_logits']);
    const k = m.heads[kind].num_heads;
    // V columns, or one per shortlisted id (shortlist_heads.py)
    const w = m.heads[kind].shortlist?.ids?.length ?? a.vocab_size;
    const h = Float32Array.from({ length: 3 * a.d_model }, (_, i) => Math.sin(i));
    const hidden = new ort.Tensor('float32', h, [3, a.d_model]);
    // root-reading heads (heads.py) take the token after each hidden state as well
    const readsRoot = heads.inputNames.includes('root_token');
    const feeds: Record<string, ort.Tensor> = { hidden_states: hidden };
    if (readsRoot) feeds['root_token'] = new ort.Tensor('int64', BigInt64Array.of(1n, 2n, 3n), [3]);
    const optional = heads.inputNames.filter((name) => name !== 'hidden_states' && name !== 'root_token');
    if (optional.length === 0) {
      expect(heads.inputNames).toEqual(readsRoot ? ['hidden_states', 'root_token'] : ['hidden_states']);
      const out = await heads.run(feeds);
      expect(out.head_logits!.dims).toEqual([3, k, w]);
      return;
    }
    expect(heads.inputNames).toEqual(readsRoot ? ['hidden_states', 'root_token', 'num_heads'] : ['hidden_states', 'num_heads']);
    const run = async (d: number) => (await heads.run({ ...feeds, num_heads: new ort.Tensor('int64', BigInt64Array.of(BigInt(d)), []) })).head_logits!;
    const full = await run(k);
    expect(full.dims).toEqual([3, k, w]);
    // every depth: the first d heads of the full output, bit for bit; counts outside 1..K are clamped
    for (const d of [0, 1, 2, k - 1, k + 3]) {
      const want = Math.min(Math.max(d, 1), k);
      const out = await run(d);
      expect(out.dims).toEqual([3, want, w]);
      const rows = [0, 1, 2].map((r) => (full.data as Float32Array).slice(r * k * w, (r * k + want) * w));
      const joined = new Float32Array(rows.reduce((s, x) => s + x.length, 0));
      rows.reduce((at, x) => (joined.set(x, at), at + x.length), 0);
      expect(out.data as Float32Array).toEqual(joined);
    }
  });
});
