// Every shipped model folder: the manifest follows docs/model-contract.md and its hashes match the files.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, modelFolders, readJson } from './model-folders';

const MB = 1_000_000; // decimal: the stricter reading of "1 MB" and "40 MB"

describe.each(modelFolders())('manifest of %s', (folder) => {
  const manifest = readJson(folder, 'manifest.json');
  const dir = path.join(REPO_ROOT, folder);

  it('lists every other file of the folder with matching bytes and sha256', () => {
    const onDisk = fs.readdirSync(dir).filter((f) => f !== 'manifest.json' && fs.statSync(path.join(dir, f)).isFile());
    expect(Object.keys(manifest.files).sort()).toEqual(onDisk.sort());
    for (const [file, entry] of Object.entries<{ bytes: number; sha256: string }>(manifest.files)) {
      const data = fs.readFileSync(path.join(dir, file));
      expect({ file, bytes: data.length, sha256: createHash('sha256').update(data).digest('hex') })
        .toEqual({ file, bytes: entry.bytes, sha256: entry.sha256 });
    }
  });

  it('references files that are listed, for base, tokenizer and both head kinds', () => {
    expect(manifest.format).toBe('cerberus-edge-model/1');
    const referenced = [manifest.base.file, manifest.tokenizer.file, manifest.heads.cerberus.file, manifest.heads.medusa.file];
    for (const file of referenced) expect(manifest.files).toHaveProperty([file]);
  });

  it('fits its size budget per variant (fixture < 1 MB, shipped model <= 40 MB): the files a load of it reads', () => {
    const bytes = (files: Iterable<string>) => [...files].reduce((s, f) => s + manifest.files[f].bytes, 0);
    const variants = Object.values<{ file: string; heads: Record<string, string> }>(manifest.base.variants ?? {});
    const variantFiles = new Set(variants.flatMap((v) => [v.file, ...Object.values(v.heads)]));
    const fp32 = Object.keys(manifest.files).filter((f) => !variantFiles.has(f));
    const budget = folder.startsWith('test/fixtures') ? 1 * MB : 40 * MB;
    expect(bytes(fp32)).toBeLessThanOrEqual(budget);
    const fp32Weights = new Set([manifest.base.file, manifest.heads.cerberus.file, manifest.heads.medusa.file]);
    for (const v of variants) {
      expect(bytes([...fp32.filter((f) => !fp32Weights.has(f)), v.file, ...Object.values(v.heads)])).toBeLessThanOrEqual(budget);
    }
  });

  it('has consistent architecture numbers', () => {
    const a = manifest.architecture;
    expect(a.head_dim * a.n_heads).toBe(a.d_model);
    expect(a.n_kv_heads).toBe(a.n_heads);
    expect(a.parameters).toBeGreaterThan(a.vocab_size * a.d_model);
  });

  it('has per-head accuracies for both kinds, top-5 >= top-1, both in [0, 1]', () => {
    for (const kind of ['cerberus', 'medusa']) {
      const h = manifest.heads[kind];
      expect(h.valid_top1).toHaveLength(h.num_heads);
      h.valid_top1.forEach((t1: number, k: number) => {
        expect(t1).toBeGreaterThanOrEqual(0);
        expect(h.valid_top5[k]).toBeGreaterThanOrEqual(t1);
        expect(h.valid_top5[k]).toBeLessThanOrEqual(1);
      });
    }
  });

  it('has default trees per backend whose nodes list parents first and stay within K heads', () => {
    const K = manifest.heads.cerberus.num_heads;
    for (const backend of ['wasm', 'native', 'gpu']) {
      const nodes: number[][] = manifest.trees[backend];
      const seen = new Set<string>();
      for (const node of nodes) {
        expect(node.length).toBeGreaterThanOrEqual(1);
        expect(node.length).toBeLessThanOrEqual(K);
        if (node.length > 1) expect(seen.has(JSON.stringify(node.slice(0, -1)))).toBe(true);
        expect(seen.has(JSON.stringify(node))).toBe(false);
        seen.add(JSON.stringify(node));
      }
    }
    expect(manifest.trees.wasm.length).toBeLessThan(manifest.trees.native.length);
    expect(manifest.trees.native.length).toBeLessThan(manifest.trees.gpu.length);
  });

  it('has a gate calibration with one mean and count per entropy bin', () => {
    const cal = manifest.gate.calibration;
    const bins = cal.bin_edges.length - 1;
    expect(cal.mean_accepted).toHaveLength(bins);
    expect(cal.count).toHaveLength(bins);
    expect(cal.bin_edges).toEqual([...cal.bin_edges].sort((x: number, y: number) => x - y));
    expect(cal.count.reduce((s: number, n: number) => s + n, 0)).toBeGreaterThan(0);
    expect(manifest.gate.default_threshold).toBeGreaterThanOrEqual(0);
    expect(manifest.gate.default_threshold).toBeLessThanOrEqual(cal.bin_edges[bins]);
  });
});
