import { describe, expect, it } from 'vitest';
import { costClassOf, fallbackCostModel } from '../../src/engine/cost-model';
import { parseManifest } from '../../src/model/manifest';
import { isEngineError } from '../../src/errors';
import { fixtureSource } from './support/fixture';

// Through the fixture reader, so the same file runs in Node and in workerd (no file system there).
const fixture = async () => JSON.parse(new TextDecoder().decode(await fixtureSource().read('manifest.json'))) as Record<string, unknown>;
const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe('fallbackCostModel', () => {
  it('prices the fused kernel with its own measured costs (a Worker cannot time it), else as wasm', async () => {
    expect(costClassOf({ backend: 'kernel', backendClass: 'native' })).toBe('kernel');
    expect(costClassOf({ backend: 'native-cpu', backendClass: 'native' })).toBe('native');
    expect(costClassOf({ backend: 'wasm', backendClass: 'wasm' })).toBe('wasm');
    const kernel = { forward: [[1, 1], [2, 1.4], [4, 2.5]], heads: { cerberus: [0.6, 1.1, 1.2, 1.3] } };
    const native = { forward: [[1, 1], [2, 1.05], [4, 1.2]], heads: { cerberus: [0.2, 0.25, 0.28, 0.3] } };
    const manifest = parseManifest(encode({ ...(await fixture()), step_costs: { native, kernel } }));
    const priced = fallbackCostModel('kernel', manifest, true, [], manifest.step_costs, ['cerberus']);
    expect(priced.points).toEqual([{ tokens: 2, ratio: 1.4 }, { tokens: 4, ratio: 2.5 }]);
    expect(priced.headsRatioByDepth).toEqual([0.6, 1.1, 1.2, 1.3]);
    const unmeasured = parseManifest(encode({ ...(await fixture()), step_costs: { native } }));
    expect(fallbackCostModel('kernel', unmeasured, true, [], unmeasured.step_costs)).toEqual(fallbackCostModel('wasm', unmeasured, true));
  });

  it('uses the manifest cost curve of the backend class when the tools wrote one', async () => {
    const manifest = parseManifest(encode({ ...(await fixture()), cost_curves: { wasm: [[1, 1], [4, 2], [16, 5]] } }));
    const wasm = fallbackCostModel('wasm', manifest);
    expect(wasm.source).toBe('fallback');
    expect(wasm.points).toEqual([{ tokens: 4, ratio: 2 }, { tokens: 16, ratio: 5 }]);
    // No curve for native in this manifest: the built-in table (the same the tools carry).
    expect(fallbackCostModel('native', manifest).points[0]).toEqual({ tokens: 2, ratio: 1.15 });
    expect(wasm.headsRatio).toBe(fallbackCostModel('native', manifest).headsRatio);
  });

  it('prices the heads per depth where the graphs can skip heads, onto the shortlist where there is one', async () => {
    const withAny = await fixture();
    // full-vocabulary heads to start from (a shipped model may already have a shortlist)
    const unlisted = Object.fromEntries(
      Object.entries(withAny['heads'] as Record<string, Record<string, unknown>>).map(([kind, { shortlist: _, ...h }]) => [kind, h]),
    );
    const raw = { ...withAny, heads: unlisted };
    const plain = parseManifest(encode(raw));
    const all = fallbackCostModel('wasm', plain);
    expect(all.headsRatioByDepth).toBeUndefined();
    const byDepth = fallbackCostModel('wasm', plain, true).headsRatioByDepth!;
    const k = plain.heads.cerberus!.num_heads;
    expect(byDepth).toHaveLength(k);
    byDepth.forEach((r, i) => i > 0 && expect(r).toBeGreaterThan(byDepth[i - 1]!));
    expect(byDepth[k - 1]).toBeCloseTo(all.headsRatio, 12);
    // A shortlist of 1/4 of the vocabulary makes every heads call cheaper.
    const heads = raw['heads'] as Record<string, Record<string, unknown>>;
    const v = plain.architecture.vocab_size;
    const shortlist = { size: v / 4, masked_value: -10000, train_coverage: 0.9 };
    const shortlisted = parseManifest(encode({ ...raw, heads: Object.fromEntries(Object.entries(heads).map(([kind, h]) => [kind, { ...h, shortlist }])) }));
    expect(fallbackCostModel('wasm', shortlisted).headsRatio).toBeLessThan(all.headsRatio * 0.75);
  });

  it('prefers measured step costs (step_costs, or the variant\'s own): forward curve, and the dearer kind per depth', async () => {
    const stepCosts = {
      wasm: { forward: [[1, 1], [2, 1.3], [4, 1.25], [8, 2.2]], heads: { cerberus: [0.3, 0.4, 0.45], medusa: [0.1, 0.5, 0.2, 0.25] } },
    };
    const manifest = parseManifest(encode({ ...(await fixture()), step_costs: stepCosts }));
    const wasm = fallbackCostModel('wasm', manifest, true, [], manifest.step_costs);
    // Cleaned like a measured curve (monotone: a spike above a larger block's cost is noise).
    expect(wasm.points).toEqual([{ tokens: 2, ratio: 1.25 }, { tokens: 4, ratio: 1.25 }, { tokens: 8, ratio: 2.2 }]);
    // Per depth the dearer kind, never falling (cerberus has 3 depths here: its deepest counts at depth 4).
    expect(wasm.headsRatioByDepth).toEqual([0.3, 0.5, 0.5, 0.5]);
    expect(wasm.headsRatio).toBe(0.5);
    // Only the kinds loaded count; and a class without measured costs keeps the curve and the FLOP estimate.
    expect(fallbackCostModel('wasm', manifest, true, [], manifest.step_costs, ['cerberus']).headsRatioByDepth).toEqual([0.3, 0.4, 0.45]);
    expect(fallbackCostModel('native', manifest, false, [], manifest.step_costs)).toEqual(fallbackCostModel('native', manifest));
    const raw = await fixture();
    expect(() => parseManifest(encode({ ...raw, step_costs: { wasm: { forward: [[2, 1]], heads: {} } } }))).toThrow();
  });

  it('refuses a curve that does not start at one token or does not increase', async () => {
    for (const curve of [[[2, 1], [4, 2]], [[1, 1], [4, 2], [4, 3]], [[1, 1], [8, 0.5]]]) {
      let error: unknown;
      try {
        parseManifest(encode({ ...(await fixture()), cost_curves: { native: curve } }));
      } catch (e) {
        error = e;
      }
      expect(isEngineError(error) && error.code === 'invalid-manifest').toBe(true);
    }
  });
});
