/**
 * What a forward pass over T query tokens costs on a backend, relative to one token. Calibrated at
 * start-up (the runtime's cost-curve measurement) or supplied by the caller; never hard-coded, because it
 * differs 3× between wasm and native (docs: ARCHITECTURE.md, "Cost model").
 */
export interface CostCurve {
  /** cost(T) / cost(1) at measured T, ascending; T = 1 has ratio 1. */
  readonly points: readonly { readonly tokens: number; readonly ratio: number }[];
  /** One heads call (N = 1) relative to cost(1) of the base model. */
  readonly headsRatio: number;
}

/** cost(T)/cost(1), interpolated linearly between points and extrapolated from the last two. */
export function costRatio(curve: CostCurve, tokens: number): number {
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

/** A parallel step (heads + tree forward of `treeSize` nodes) relative to an AR step. */
export function parallelStepRatio(curve: CostCurve, treeSize: number): number {
  return costRatio(curve, treeSize) + curve.headsRatio;
}

function lerp(a: { tokens: number; ratio: number }, b: { tokens: number; ratio: number }, t: number): number {
  if (b.tokens === a.tokens) return b.ratio;
  return a.ratio + ((b.ratio - a.ratio) * (t - a.tokens)) / (b.tokens - a.tokens);
}
