/**
 * Cost curve per backend: median ms of one forward of T query tokens after `past` cached ones, and
 * cost(T)/cost(1). The numbers in docs/runtime.md come from this script:
 *
 *   npm run bench:cost-curve -- [--model test/fixtures/tiny] [--backends native-cpu,wasm]
 *                                [--past 256] [--sizes 1,2,4,8,16,32] [--repeats 20] [--threads N]
 *                                [--warmup 2000 (ms, see CostCurveOptions.warmupMs)]
 *
 * Run through esbuild + node (Node 20 cannot run TypeScript itself; see the npm script). One backend
 * at a time, round-robin over T, so load on the shared machine spreads over every T.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { bindingArchitecture } from '../../src/engine/model';
import { parseManifest } from '../../src/model/manifest';
import { createBinding, measureCostCurve, type BackendRequest, type HeadKind } from '../../src/runtime';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'test/fixtures/tiny' },
    backends: { type: 'string', default: 'native-cpu,wasm' },
    past: { type: 'string', default: '256' },
    sizes: { type: 'string', default: '1,2,4,8,16,32' },
    repeats: { type: 'string', default: '20' },
    threads: { type: 'string' },
    warmup: { type: 'string', default: '2000' },
  },
});

const dir = resolve(values.model);
const read = async (name: string) => new Uint8Array(await readFile(resolve(dir, name)));
const manifest = parseManifest(await read('manifest.json'));
// One head kind is enough: headsRatio times one heads call.
const headKind: HeadKind = manifest.heads.cerberus !== undefined ? 'cerberus' : 'medusa';
const heads = { [headKind]: await read(manifest.heads[headKind]!.file) };
const sizes = values.sizes.split(',').map(Number);
const past = Number(values.past);

console.log(`model ${manifest.name} (${manifest.architecture.parameters} params), past ${past}, ${values.repeats} repeats`);
console.log('medians (ratios = cost(T)/cost(1)); in brackets: the same from each T\'s fastest run');
console.log(`| backend | T=1 (ms) | ${sizes.filter((t) => t > 1).map((t) => `T=${t}`).join(' | ')} | heads/cost(1) |`);
console.log(`|---|---|${sizes.filter((t) => t > 1).map(() => '---|').join('')}---|`);
for (const backend of values.backends.split(',') as BackendRequest[]) {
  const binding = await createBinding({
    backend,
    base: await read(manifest.base.file),
    heads,
    // The heads' outputs as the manifest gives them (a shortlist narrows their columns).
    architecture: bindingArchitecture(manifest, [headKind]),
    ...(values.threads === undefined ? {} : { threads: Number(values.threads) }),
  });
  const curve = await measureCostCurve(binding, {
    architecture: manifest.architecture,
    past,
    sizes,
    repeats: Number(values.repeats),
    warmupMs: Number(values.warmup),
  });
  await binding.dispose();
  const [first, ...rest] = curve.points;
  const threads = backend.startsWith('native') ? `, ${values.threads ?? 'default'} threads` : ', 1 thread';
  console.log(
    `| ${curve.backend}${threads} | ${first!.medianMs.toFixed(2)} [${first!.minMs.toFixed(2)}] | ` +
      rest.map((p) => `${p.ratio.toFixed(2)} [${(p.minMs / first!.minMs).toFixed(2)}]`).join(' | ') +
      ` | ${curve.headsRatio.toFixed(2)} |`,
  );
}
