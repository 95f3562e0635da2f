import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { argmax, distribution, distributionJs, probability, topK } from '../../src/sampling/logits';
import { rowStats } from '../../src/sampling/row-stats';
import { mulberry32 } from '../../src/sampling/prng';
import { createSampler, filteredDistribution } from '../../src/sampling/sampler';

const row = (values: readonly number[]) => Float32Array.from(values);

describe('logits maths', () => {
  it('argmax picks the first maximum', () => {
    expect(argmax(row([1, 3, 3, 2]))).toBe(1);
  });

  it('distribution gives log-sum-exp and entropy in nats', () => {
    const d = distribution(row([0, 0, 0, 0]));
    expect(d.entropy).toBeCloseTo(Math.log(4), 6);
    expect(probability(row([0, 0, 0, 0]), d, 2)).toBeCloseTo(0.25, 6);
    const peaked = distribution(row([100, 0, 0]));
    expect(peaked.entropy).toBeCloseTo(0, 6);
    const hot = distribution(row([2, 1, 0]), 2);
    const p = [1, 0.5, 0].map(Math.exp);
    const z = p.reduce((a, b) => a + b);
    expect(probability(row([2, 1, 0]), hot, 0)).toBeCloseTo(p[0]! / z, 6);
    expect(hot.entropy).toBeCloseTo(-p.reduce((h, q) => h + (q / z) * Math.log(q / z), 0), 6);
  });

  it('runs the wasm row statistics on every host (workerd: the module its setup imported), and they agree with the JS pass: the same argmax, the entropy within 1e-4', () => {
    expect(rowStats()).toBeDefined();
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -30, max: 30, noNaN: true }), { minLength: 1, maxLength: 5000 }),
        fc.constantFrom(1, 0.5, 2),
        fc.boolean(),
        (values, temperature, ties) => {
          // Coarse values make ties for the max, which must resolve to the first index as the JS scan does.
          const r = row(ties ? values.map((v) => Math.round(v / 8)) : values);
          const fast = distribution(r, temperature);
          const js = distributionJs(r, temperature);
          expect(fast.argmax).toBe(js.argmax);
          expect(fast.argmax).toBe(argmax(r));
          expect(Math.abs(fast.entropy - js.entropy)).toBeLessThan(1e-4 * Math.max(1, js.entropy));
          expect(Math.abs(fast.logSumExp - js.logSumExp)).toBeLessThan(1e-4 * Math.max(1, Math.abs(js.logSumExp)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('distribution: -Infinity logits add nothing, NaN and all -Infinity rows take the JS path', () => {
    const masked = distribution(row([0, -Infinity, 0, -Infinity, 0, 0, -Infinity, 0, 0]));
    expect(masked.entropy).toBeCloseTo(Math.log(6), 5);
    expect(masked.argmax).toBe(0);
    expect(distribution(row([1, Number.NaN, 2])).argmax).toBe(distributionJs(row([1, Number.NaN, 2])).argmax);
    expect(distribution(row([-Infinity, -Infinity])).argmax).toBe(0);
    // logits / T beyond float32's range: the float64 JS pass.
    const extreme = distribution(row([3, 1, 2, 0, 3, 1, 2, 0]), 1e-39);
    expect(extreme.entropy).toBeCloseTo(Math.log(2), 6);
    expect(extreme.argmax).toBe(0);
  });

  it('topK returns the k largest, largest first, ties by index', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 10 }), (values, k) => {
        const expected = values
          .map((v, i) => [v, i] as const)
          .sort((a, b) => b[0] - a[0] || a[1] - b[1])
          .slice(0, k)
          .map(([, i]) => i);
        expect(topK(row(values), k)).toEqual(expected);
      }),
    );
  });
});

describe('top-k / top-p filtering', () => {
  const logits = row([Math.log(0.5), Math.log(0.3), Math.log(0.15), Math.log(0.05)]);

  it('top-k keeps k tokens, renormalised', () => {
    const { ids, probs } = filteredDistribution(logits, { temperature: 1, topK: 2 });
    expect(ids).toEqual([0, 1]);
    expect(probs[0]).toBeCloseTo(0.5 / 0.8, 6);
    expect(probs[1]).toBeCloseTo(0.3 / 0.8, 6);
  });

  it('top-p keeps the smallest prefix reaching p', () => {
    expect(filteredDistribution(logits, { temperature: 1, topP: 0.8 }).ids).toEqual([0, 1]);
    expect(filteredDistribution(logits, { temperature: 1, topP: 0.81 }).ids).toEqual([0, 1, 2]);
    expect(filteredDistribution(logits, { temperature: 1, topP: 0.1 }).ids).toEqual([0]);
    const { probs } = filteredDistribution(logits, { temperature: 1, topP: 0.9 });
    expect(probs.reduce((a, b) => a + b)).toBeCloseTo(1, 6);
    expect(probs[2]).toBeCloseTo(0.15 / 0.95, 6);
  });

  it('temperature sharpens before filtering', () => {
    const cold = filteredDistribution(logits, { temperature: 0.25 });
    expect(cold.probs[0]).toBeGreaterThan(0.85);
  });
});

describe('seeded sampling', () => {
  it('the same seed gives the same stream, another seed another one', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const xs = Array.from({ length: 20 }, () => a.next());
    expect(Array.from({ length: 20 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 20 }, () => c.next())).not.toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('a seeded sampler draws the same tokens, following the distribution', () => {
    const logits = row([Math.log(0.6), Math.log(0.3), Math.log(0.1)]);
    const draw = (seed: number) => {
      const s = createSampler({ kind: 'sample', temperature: 1, seed });
      return Array.from({ length: 3000 }, () => s.sample(logits));
    };
    const first = draw(7);
    expect(draw(7)).toEqual(first);
    expect(draw(8)).not.toEqual(first);
    const share = (t: number) => first.filter((x) => x === t).length / first.length;
    expect(share(0)).toBeCloseTo(0.6, 1);
    expect(share(1)).toBeCloseTo(0.3, 1);
    expect(share(2)).toBeCloseTo(0.1, 1);
  });

  it('top-k 1 is greedy', () => {
    const s = createSampler({ kind: 'sample', temperature: 1.5, topK: 1, seed: 1 });
    expect(Array.from({ length: 50 }, () => s.sample(row([0.1, 2, 1.9])))).toEqual(Array(50).fill(1));
  });
});
