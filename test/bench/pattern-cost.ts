/**
 * What a step costs in the pattern decoding runs it in, against the start-up calibration's round-robin:
 * AR decoding runs T = 1 forwards back to back; a parallel step runs the heads, then a T-node forward.
 * Same cache (P cached tokens), same inputs; only the order of the calls differs.
 *
 *   npm run bench:pattern -- [--model DIR] [--backends native-cpu,wasm] [--past 128] [--tree 6] [--repeats 40]
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { bindingArchitecture } from '../../src/engine/model';
import { parseManifest } from '../../src/model/manifest';
import { createBinding, measureCostCurve, type BackendRequest, type InferenceBinding, type LayerKv } from '../../src/runtime';
import { causalMask } from '../../src/tree/causal-mask';
import { defaultModelDir } from './model-dir';
import { median } from './results';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string' },
    backends: { type: 'string', default: 'native-cpu,wasm' },
    past: { type: 'string', default: '128' },
    tree: { type: 'string', default: '6' },
    repeats: { type: 'string', default: '40' },
  },
});

const dir = args.model === undefined ? await defaultModelDir() : resolve(args.model);
const read = async (name: string) => new Uint8Array(await readFile(resolve(dir, name)));
const manifest = parseManifest(await read('manifest.json'));
const arch = manifest.architecture;
const past = Number(args.past);
const t = Number(args.tree);
const repeats = Number(args.repeats);
const MASK = manifest.base.mask_value;

const ids = (n: number, from: number) => Array.from({ length: n }, (_, i) => (from + i) % 2);
const positions = (n: number, from: number) => Array.from({ length: n }, (_, i) => from + i);

async function timed(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

async function measure(binding: InferenceBinding) {
  const empty: LayerKv[] = Array.from({ length: arch.n_layers }, () => ({ key: new Float32Array(0), value: new Float32Array(0) }));
  const prefill = await binding.forward({ inputIds: ids(past, 0), positionIds: positions(past, 0), mask: causalMask(0, past, MASK), past: empty, pastLength: 0 });
  const cache = prefill.present;
  const hidden = prefill.hidden.slice(0, arch.d_model);
  const one = () => binding.forward({ inputIds: ids(1, past), positionIds: positions(1, past), mask: causalMask(past, 1, MASK), past: cache, pastLength: past });
  const tree = () => binding.forward({ inputIds: ids(t, past), positionIds: positions(t, past), mask: causalMask(past, t, MASK), past: cache, pastLength: past });
  const heads = () => binding.heads('cerberus', hidden, 1, undefined, [1]);
  for (let i = 0; i < 20; i++) await Promise.all([one(), heads(), tree()]);
  const ar: number[] = [];
  const headMs: number[] = [];
  const treeMs: number[] = [];
  for (let r = 0; r < repeats; r++) {
    // A stretch of AR steps, then a stretch of parallel steps, as a gated generation alternates them.
    for (let i = 0; i < 8; i++) ar.push(await timed(one));
    for (let i = 0; i < 8; i++) {
      headMs.push(await timed(heads));
      treeMs.push(await timed(tree));
    }
  }
  const curve = await measureCostCurve(binding, { architecture: arch, past, sizes: [1, t], repeats });
  return { ar: median(ar), heads: median(headMs), tree: median(treeMs), curve };
}

console.log(`model ${manifest.name}, P = ${past}, tree of ${t} nodes, medians of ${repeats * 8} calls`);
console.log(`| backend | AR step (T=1 back to back) ms | heads ms | T=${t} after heads ms | parallel ÷ AR, decoding pattern | start-up curve: cost(${t}) + heads, in its T=1 | its T=1 ms |`);
console.log('|---|---|---|---|---|---|---|');
for (const backend of args.backends.split(',') as BackendRequest[]) {
  const binding = await createBinding({ backend, base: await read(manifest.base.file), heads: { cerberus: await read(manifest.heads.cerberus!.file) }, architecture: bindingArchitecture(manifest, ['cerberus']) });
  const m = await measure(binding);
  await binding.dispose();
  const curveT = m.curve.points.find((p) => p.tokens === t)!;
  console.log(
    `| ${backend} | ${m.ar.toFixed(2)} | ${m.heads.toFixed(2)} | ${m.tree.toFixed(2)} | ${((m.heads + m.tree) / m.ar).toFixed(2)} | ${(curveT.ratio + m.curve.headsRatio).toFixed(2)} | ${m.curve.points[0]!.medianMs.toFixed(2)} |`,
  );
}
