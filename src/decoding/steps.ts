import type { KvCache } from '../kv/kv-cache';
import type { HeadKind, InferenceBinding } from '../runtime/binding';
import { causalMask } from '../tree/causal-mask';
import { compileTree, treeMask, treePositions, type CompiledTree } from '../tree/compile-tree';
import { cursorAt, type Cursor } from './cursor';
import { forward, runHeads } from './model-calls';
import type { Laps } from '../step-profile';
import type { StepTree } from './tree-policy';
import { verifyTree, type AcceptanceRule } from './verify';

/** What a step needs from the model besides the cache. */
export interface StepContext {
  readonly binding: InferenceBinding;
  readonly cache: KvCache;
  readonly vocab: number;
  readonly dModel: number;
  readonly maskValue: number;
}

export interface StepResult {
  /** The root token, then the accepted candidates; all now in the cache. */
  readonly tokens: readonly number[];
  readonly cursor: Cursor;
  readonly modelMs: number;
}

export interface ParallelStepResult extends StepResult {
  /** The tree verified, and its accepted nodes, root first. */
  readonly step: StepTree;
  readonly path: readonly number[];
}

/** AR: run the root token alone. `laps` times its phases for a profile. */
export async function arStep(ctx: StepContext, root: number, laps?: Laps): Promise<StepResult> {
  const p = ctx.cache.length;
  const mask = causalMask(p, 1, ctx.maskValue);
  laps?.lap('masks');
  const out = await forward(ctx.binding, ctx.cache, [root], [p], mask);
  laps?.lap('binding');
  laps?.runtime('base-forward', out.modelMs);
  ctx.cache.append([root], out.present, 1);
  laps?.lap('kv-compaction');
  return { tokens: [root], cursor: cursorAt(out, 0, ctx.vocab, ctx.dModel), modelMs: out.modelMs };
}

/**
 * Parallel: candidates from the first `headsDepth` heads → the tree (`pickTree`, which may shape it by what
 * the heads say; at most `headsDepth` deep) → one forward over the tree → verify → keep the accepted path.
 * The heads read the cursor's hidden state (the position before the root) and, where they take it, the root
 * token itself, so head d proposes the token at depth d + 1 of the tree.
 */
export async function parallelStep(
  ctx: StepContext,
  cursor: Cursor,
  root: number,
  pickTree: (headLogits: Float32Array, width: number) => StepTree,
  headsDepth: number,
  headKind: HeadKind,
  rule: AcceptanceRule,
  laps?: Laps,
): Promise<ParallelStepResult> {
  const heads = await runHeads(ctx.binding, headKind, cursor.hidden, headsDepth, root);
  laps?.lap('binding');
  laps?.runtime('heads', heads.modelMs);
  const numHeads = heads.logits.length / heads.width;
  const step = pickTree(heads.logits, heads.width);
  const { tree, candidates } = step;
  if (tree.topKPerHead.length > numHeads) throw new RangeError(`tree depth ${tree.topKPerHead.length} exceeds the ${numHeads} heads`);
  const nodeTokens = new Int32Array(tree.size);
  nodeTokens[0] = root;
  for (let node = 1; node < tree.size; node++) {
    nodeTokens[node] = candidates[tree.depth[node]! - 1]![tree.rank[node]!]!;
  }
  laps?.lap('tree');
  const verified = await verifyInOneForward(ctx, tree, nodeTokens, rule, laps);
  return { ...verified, step, modelMs: heads.modelMs + verified.modelMs };
}

/**
 * The stages every candidate step shares: one forward over root + candidates under the tree's mask, the
 * longest accepted path, and only that path's rows into the cache.
 */
async function verifyInOneForward(
  ctx: StepContext,
  tree: CompiledTree,
  nodeTokens: Int32Array,
  rule: AcceptanceRule,
  laps?: Laps,
): Promise<StepResult & { readonly path: readonly number[] }> {
  const p = ctx.cache.length;
  const mask = treeMask(tree, p, ctx.maskValue);
  laps?.lap('masks');
  const out = await forward(ctx.binding, ctx.cache, nodeTokens, treePositions(tree, p), mask);
  laps?.lap('binding');
  laps?.runtime('base-forward', out.modelMs);
  const { path } = verifyTree(tree, nodeTokens, out.logits, ctx.vocab, rule);
  laps?.lap('verify');
  const tokens = path.map((node) => nodeTokens[node]!);
  ctx.cache.append(tokens, out.present, tree.size, path);
  laps?.lap('kv-compaction');
  return { tokens, path, cursor: cursorAt(out, path[path.length - 1]!, ctx.vocab, ctx.dModel), modelMs: out.modelMs };
}

/** Chains of 1..MAX compiled once: a draft is a tree with one node per depth. */
const chains = new Map<number, CompiledTree>();
function chain(length: number): CompiledTree {
  let tree = chains.get(length);
  if (tree === undefined) {
    tree = compileTree(Array.from({ length }, (_, d) => Array<number>(d + 1).fill(0)), length);
    chains.set(length, tree);
  }
  return tree;
}

/** Draft: verify `draft` (tokens copied from the context, context-draft.ts) after the root, in one forward, no heads. */
export async function draftStep(
  ctx: StepContext,
  root: number,
  draft: readonly number[],
  rule: AcceptanceRule,
  laps?: Laps,
): Promise<StepResult & { readonly path: readonly number[]; readonly tree: CompiledTree }> {
  const tree = chain(draft.length);
  return { ...(await verifyInOneForward(ctx, tree, Int32Array.from([root, ...draft]), rule, laps)), tree };
}
