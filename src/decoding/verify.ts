import type { CompiledTree } from '../tree/compile-tree';
import { argmax, distribution, probability } from '../sampling/logits';

/** How tree candidates are accepted. */
export type AcceptanceRule =
  | { readonly kind: 'greedy' }
  /**
   * Medusa's typical acceptance: a candidate is accepted when the base model gives it probability
   * above min(epsilon, alpha · exp(-H)) under softmax(logits / temperature), H that row's entropy.
   */
  | { readonly kind: 'typical'; readonly temperature: number; readonly epsilon: number; readonly alpha: number };

export interface Verdict {
  /** Accepted nodes root → last, root included (the root is the base model's own token). */
  readonly path: readonly number[];
}

/**
 * Finds the longest accepted path. Each tree row's V-wide maths (argmax or softmax statistics) runs at
 * most once, and only for rows whose node was reached.
 */
export function verifyTree(
  tree: CompiledTree,
  nodeTokens: Int32Array,
  logits: Float32Array,
  vocab: number,
  rule: AcceptanceRule,
): Verdict {
  const row = (node: number) => logits.subarray(node * vocab, (node + 1) * vocab);
  const accepts = rule.kind === 'greedy' ? greedyAccepts(row) : typicalAccepts(row, rule);
  let best: number[] = [0];
  const walk = (path: number[]): void => {
    if (path.length > best.length) best = path;
    const node = path[path.length - 1]!;
    const children = tree.children[node]!;
    if (children.length === 0) return;
    const ok = accepts(node);
    for (const child of children) if (ok(nodeTokens[child]!)) walk([...path, child]);
  };
  walk([0]);
  return { path: best };
}

type RowAccepts = (node: number) => (token: number) => boolean;

/** Exactly one child can equal the argmax, so greedy is a single descent. */
function greedyAccepts(row: (node: number) => Float32Array): RowAccepts {
  return (node) => {
    const target = argmax(row(node));
    return (token) => token === target;
  };
}

function typicalAccepts(
  row: (node: number) => Float32Array,
  rule: Extract<AcceptanceRule, { kind: 'typical' }>,
): RowAccepts {
  return (node) => {
    const r = row(node);
    const dist = distribution(r, rule.temperature);
    const threshold = Math.min(rule.epsilon, rule.alpha * Math.exp(-dist.entropy));
    return (token) => probability(r, dist, token) > threshold;
  };
}

/** Medusa's defaults: posterior threshold 0.09, alpha = sqrt(epsilon). */
export function typicalRule(temperature: number, epsilon = 0.09): AcceptanceRule {
  return { kind: 'typical', temperature, epsilon, alpha: Math.sqrt(epsilon) };
}
