/**
 * The heads call alone, next to one base forward (T=1 after `past` cached tokens), for several model folders
 * side by side (e.g. the same model with full and shortlisted heads, models/tools/shortlist_heads.py):
 *
 *   npm run bench:heads-cost -- --models DIR1,DIR2,... [--backends native-cpu,wasm] [--past 128] [--repeats 40]
 *
 * Round-robin over the folders within each repeat, so load on the shared machine spreads over all of them.
 * Prints median ms of one heads call on one hidden state (what a parallel step runs), of one base forward,
 * and their ratio.
 */
import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { bindingArchitecture } from '../../src/engine/model';
import { parseManifest } from '../../src/model/manifest';
import { createBinding, type BackendRequest, type HeadKind, type InferenceBinding } from '../../src/runtime';

const { values } = parseArgs({
  options: {
    models: { type: 'string' },
    backends: { type: 'string', default: 'native-cpu,wasm' },
    past: { type: 'string', default: '128' },
    repeats: { type: 'string', default: '40' },
    kind: { type: 'string', default: 'cerberus' },
  },
});
if (values.models === undefined) throw new Error('--models DIR1,DIR2,... is required');
const dirs = values.models.split(',').map((d) => resolve(d));
const kind = values.kind as HeadKind;
const past = Number(values.past);
const repeats = Number(values.repeats);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

console.log(`| backend | model | heads (ms) | base T=1 (ms) | heads / base |`);
console.log(`|---|---|---|---|---|`);
for (const backend of values.backends.split(',') as BackendRequest[]) {
  const runs: { name: string; binding: InferenceBinding; heads: () => Promise<unknown>; base: () => Promise<unknown>; h: number[]; b: number[] }[] = [];
  for (const dir of dirs) {
    const read = async (name: string) => new Uint8Array(await readFile(resolve(dir, name)));
    const manifest = parseManifest(await read('manifest.json'));
    const arch = manifest.architecture;
    const binding = await createBinding({
      backend,
      base: await read(manifest.base.file),
      heads: { [kind]: await read(manifest.heads[kind]!.file) },
      architecture: bindingArchitecture(manifest, [kind]),
    });
    const hidden = new Float32Array(arch.d_model).map((_, i) => Math.sin(i));
    const kv = () => new Float32Array(arch.n_kv_heads * past * arch.head_dim);
    const pastKv = Array.from({ length: arch.n_layers }, () => ({ key: kv(), value: kv() }));
    runs.push({
      name: `${basename(dir)} (S=${manifest.heads[kind]?.shortlist?.size ?? arch.vocab_size})`,
      binding,
      heads: () => binding.heads(kind, hidden, 1, undefined, [1]),
      base: () =>
        binding.forward({
          inputIds: [1],
          positionIds: [past],
          mask: new Float32Array(past + 1),
          past: pastKv,
          pastLength: past,
        }),
      h: [],
      b: [],
    });
  }
  const time = async (f: () => Promise<unknown>) => {
    const t0 = performance.now();
    await f();
    return performance.now() - t0;
  };
  for (let i = 0; i < repeats + 5; i++) {
    for (const r of runs) {
      const h = await time(r.heads);
      const b = await time(r.base);
      if (i >= 5) { r.h.push(h); r.b.push(b); }
    }
  }
  for (const r of runs) {
    const h = median(r.h);
    const b = median(r.b);
    console.log(`| ${r.binding.backend} | ${r.name} | ${h.toFixed(3)} | ${b.toFixed(3)} | ${(h / b).toFixed(3)} |`);
    await r.binding.dispose();
  }
}
