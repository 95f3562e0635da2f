/** measureCostCurve on the real native binding: structure and consistency, never speed. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BindingError, measureCostCurve, type InferenceBinding } from '../../src/runtime';
import { fixtureBinding, loadFixture } from '../engine/support/fixture';

let binding: InferenceBinding;
beforeAll(async () => {
  binding = await fixtureBinding('native-cpu');
});
afterAll(() => binding?.dispose());

it('times every requested T over a real cache, ratios relative to T = 1, heads included', async () => {
  const { architecture } = await loadFixture();
  const curve = await measureCostCurve(binding, { architecture, past: 16, sizes: [4, 2], repeats: 3 });
  expect(curve.backend).toBe('native-cpu');
  expect(curve.past).toBe(16);
  expect(curve.points.map((p) => p.tokens)).toEqual([1, 2, 4]);
  expect(curve.points[0]!.ratio).toBe(1);
  for (const point of curve.points) {
    expect(point.medianMs).toBeGreaterThan(0);
    expect(point.minMs).toBeGreaterThan(0);
    expect(point.minMs).toBeLessThanOrEqual(point.medianMs);
    expect(point.ratio).toBeCloseTo(point.medianMs / curve.points[0]!.medianMs, 10);
  }
  expect(curve.headsMs).toBeGreaterThan(0);
  expect(curve.headsRatio).toBeCloseTo(curve.headsMs / curve.points[0]!.medianMs, 10);
});

it('rejects nonsense options with a typed error', async () => {
  const { architecture } = await loadFixture();
  await expect(measureCostCurve(binding, { architecture, sizes: [0] })).rejects.toBeInstanceOf(BindingError);
  await expect(measureCostCurve(binding, { architecture, repeats: 0 })).rejects.toThrow(/repeats >= 1/);
});
