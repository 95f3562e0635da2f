/** Additive mask [T, P+T] for a plain causal block of T tokens after P cached ones (prefill, AR step). */
export function causalMask(pastLength: number, t: number, maskValue: number): Float32Array {
  const width = pastLength + t;
  const mask = new Float32Array(t * width);
  for (let i = 0; i < t; i++) mask.fill(maskValue, i * width + pastLength + i + 1, (i + 1) * width);
  return mask;
}
