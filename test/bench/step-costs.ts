/**
 * What a decoding step costs, per base variant and backend class, in AR steps of that variant: the engine's
 * own start-up measurement (src/engine/cost-model.ts, `measureCostModel`: AR forwards back to back, a heads
 * call then a tree forward of every T = 2 … 8, then 12 … 64, a heads call per depth), taken where its clock runs (Node) for
 * every variant in the manifest and every head kind, with the heads the engine gives that variant there.
 * Where the engine cannot time its backend (workerd) the manifest's `step_costs` written from this output
 * are its cost model (models/tools/step_costs.py, pipeline stage step-costs).
 *
 *   npm run --silent bench:step-costs -- MODEL_DIR [--backends wasm,native-cpu,kernel]
 *
 * The kernel on one thread (what a Worker runs), class `kernel`.
 *
 * Prints one JSON object: { "<variant>": { "<backend class>": { "forward": [[T, ratio], …], "heads": { kind: [ratio per depth] } } } },
 * variant "fp32" being the manifest's base.file.
 */
import { parseArgs } from 'node:util';
import { HEAD_KINDS, loadModel, type BackendName, type HeadKind, type Model } from '../../src/index';
import { isBindingError } from '../../src/runtime';
import { parseManifest } from '../../src/model/manifest';
import { fileSource } from './model-dir';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { backends: { type: 'string', default: 'wasm,native-cpu,kernel' } } });
const dir = positionals[0];
if (dir === undefined) {
  console.error('usage: npm run --silent bench:step-costs -- MODEL_DIR [--backends wasm,native-cpu,kernel]');
  process.exit(2);
}

type ClassCosts = { forward: [number, number][]; heads: Partial<Record<HeadKind, number[]>> };
const result: Record<string, Record<string, ClassCosts>> = {};
const round3 = (x: number) => Math.round(x * 1000) / 1000;

const source = fileSource(dir);
const manifest = parseManifest(await source.read('manifest.json'));
const variants = [undefined, ...Object.keys(manifest.base.variants ?? {})];
const kinds = HEAD_KINDS.filter((k) => manifest.heads[k] !== undefined);
/** The model on `backend`, or undefined where that backend cannot run it here (the kernel's size rules, say). */
async function loadIfItRuns(backend: BackendName, kind: HeadKind, variant: string | undefined): Promise<Model | undefined> {
  try {
    return await loadModel(source, { backend, threads: 1, headKinds: [kind], log: () => {}, ...(variant === undefined ? {} : { baseVariant: variant }) });
  } catch (error) {
    // The engine reports a binding that cannot be created as its own error, the binding's as the cause.
    for (let e: unknown = error; e instanceof Error; e = e.cause) if (isBindingError(e, 'backend-unavailable')) {
      console.error(`step costs: ${variant ?? 'fp32'} on ${backend}: skipped, ${e.message}`);
      return undefined;
    }
    throw error;
  }
}

for (const backend of values.backends.split(',') as BackendName[]) {
  // One kind per load: the engine times the heads of the first kind it loads.
  variants: for (const variant of variants) {
    const costs: ClassCosts = { forward: [], heads: {} };
    for (const kind of kinds) {
      const model = await loadIfItRuns(backend, kind, variant);
      // No class for it: where the engine cannot time this backend it prices it by the fallback.
      if (model === undefined) continue variants;
      const c = model.costModel;
      await model.dispose();
      if (c.source !== 'measured') throw new Error(`${backend}: the cost model was not measured (${c.source})`);
      // The forward does not depend on the heads: the first kind's load gives it.
      if (costs.forward.length === 0) costs.forward = [[1, 1], ...c.points.map((p): [number, number] => [p.tokens, round3(p.ratio)])];
      costs.heads[kind] = (c.headsRatioByDepth ?? [c.headsRatio]).map(round3);
    }
    const cls = backend === 'wasm' ? 'wasm' : backend === 'kernel' ? 'kernel' : 'native';
    (result[variant ?? 'fp32'] ??= {})[cls] = costs;
    console.error(`step costs: ${variant ?? 'fp32'} on ${backend}: T=4 ${costs.forward.find(([t]) => t === 4)?.[1]}, heads ${JSON.stringify(costs.heads)}`);
  }
}
console.log(JSON.stringify(result));
