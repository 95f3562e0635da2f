import type { CostModel } from '../types';

/*
 * A step's cost relative to an AR step, from the backend's cost model (calibrated at load or supplied;
 * never hard-coded, because it differs 3× between wasm and native: `npm run bench:cost-curve` measures it).
 */

/** cost(T)/cost(1), interpolated linearly between points and extrapolated from the last two. */
export function costRatio(curve: Pick<CostModel, 'points'>, tokens: number): number {
  const pts = curve.points;
  if (pts.length === 0 || tokens <= 1) return 1;
  let lo = { tokens: 1, ratio: 1 };
  for (const p of pts) {
    if (p.tokens >= tokens) return lerp(lo, p, tokens);
    lo = p;
  }
  const before = pts.length > 1 ? pts[pts.length - 2]! : { tokens: 1, ratio: 1 };
  return Math.max(lo.ratio, lerp(before, lo, tokens));
}

export type StepCosts = Pick<CostModel, 'points' | 'headsRatio' | 'headsRatioByDepth'>;

/** A heads call for a tree `depth` deep (undefined: every head), relative to an AR step. */
export function headsRatioAt(curve: Pick<CostModel, 'headsRatio' | 'headsRatioByDepth'>, depth?: number): number {
  const byDepth = curve.headsRatioByDepth;
  if (byDepth === undefined || byDepth.length === 0 || depth === undefined) return curve.headsRatio;
  return byDepth[Math.min(Math.max(1, depth), byDepth.length) - 1]!;
}

/**
 * A parallel step (heads + tree forward of `treeSize` nodes) relative to an AR step; `depth`, the tree's
 * depth, is how many heads its call computes where the graphs can skip heads.
 */
export function parallelStepRatio(curve: StepCosts, treeSize: number, depth?: number): number {
  return costRatio(curve, treeSize) + headsRatioAt(curve, depth);
}

function lerp(a: { tokens: number; ratio: number }, b: { tokens: number; ratio: number }, t: number): number {
  if (b.tokens === a.tokens) return b.ratio;
  return a.ratio + ((b.ratio - a.ratio) * (t - a.tokens)) / (b.tokens - a.tokens);
}

/**
 * More query tokens never cost less work, so a measured dip or spike is the shared machine's noise (a GC
 * pause or another job during one size's runs). Each ratio becomes the smallest ratio measured at its
 * size or any larger one — removing upward spikes, which would otherwise cap every tree below them —
 * and at least 1.
 */
export function monotone(points: readonly { tokens: number; ratio: number }[]): { tokens: number; ratio: number }[] {
  const out = points.map(({ tokens, ratio }) => ({ tokens, ratio }));
  for (let i = out.length - 2; i >= 0; i--) out[i]!.ratio = Math.min(out[i]!.ratio, out[i + 1]!.ratio);
  return out.map((p) => ({ tokens: p.tokens, ratio: Math.max(1, p.ratio) }));
}
