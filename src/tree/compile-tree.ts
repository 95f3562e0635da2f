import { EngineError } from '../errors';

/**
 * A candidate tree as data: each node is the path of top-k indices from the root, e.g. [0, 1] = head 0's
 * top-1 followed by head 1's top-2. Parents come before children. The root (the base model's own next
 * token) is implicit.
 */
export type TreePaths = readonly (readonly number[])[];

/**
 * A tree compiled once into everything a step needs. Node 0 is the root; node i > 0 is `paths[i - 1]`.
 * Tensors derived from the tree (mask, positions) depend on the past length and are built per step from
 * these arrays.
 */
export interface CompiledTree {
  readonly paths: TreePaths;
  /** Nodes including the root: the T of the tree forward pass. */
  readonly size: number;
  readonly depth: Int32Array;
  /** Parent node index; -1 for the root. */
  readonly parent: Int32Array;
  /** Rank of the node among its head's top-k; -1 for the root. */
  readonly rank: Int32Array;
  readonly children: readonly (readonly number[])[];
  /** ancestorOrSelf[i * size + j] = 1 when node i may attend to node j. */
  readonly ancestorOrSelf: Uint8Array;
  /** Candidates needed from head d (= max rank at depth d + 1, d 0-based). Its length is the tree depth. */
  readonly topKPerHead: readonly number[];
  /** Node indices root → leaf for every leaf. */
  readonly retrievePaths: readonly (readonly number[])[];
}

export function compileTree(paths: TreePaths, numHeads: number): CompiledTree {
  const size = paths.length + 1;
  const index = new Map<string, number>([['', 0]]);
  const depth = new Int32Array(size);
  const parent = new Int32Array(size).fill(-1);
  const rank = new Int32Array(size).fill(-1);
  const children: number[][] = Array.from({ length: size }, () => []);
  const topKPerHead: number[] = [];

  paths.forEach((path, i) => {
    const node = i + 1;
    const where = `tree node ${i} ${JSON.stringify(path)}`;
    if (path.length === 0 || path.length > numHeads) {
      throw new EngineError('invalid-options', `${where}: depth must be 1..${numHeads} (one level per head)`);
    }
    if (!path.every((r) => Number.isInteger(r) && r >= 0)) {
      throw new EngineError('invalid-options', `${where}: ranks must be non-negative integers`);
    }
    const key = path.join(',');
    if (index.has(key)) throw new EngineError('invalid-options', `${where}: duplicate node`);
    const parentNode = index.get(path.slice(0, -1).join(','));
    if (parentNode === undefined) {
      throw new EngineError('invalid-options', `${where}: its parent must be listed before it`);
    }
    index.set(key, node);
    const d = path.length;
    const r = path[d - 1]!;
    depth[node] = d;
    parent[node] = parentNode;
    rank[node] = r;
    children[parentNode]!.push(node);
    topKPerHead[d - 1] = Math.max(topKPerHead[d - 1] ?? 0, r + 1);
  });

  const ancestorOrSelf = new Uint8Array(size * size);
  for (let i = 0; i < size; i++) {
    for (let j = i; j !== -1; j = parent[j]!) ancestorOrSelf[i * size + j] = 1;
  }
  const retrievePaths: number[][] = [];
  for (let i = 0; i < size; i++) {
    if (children[i]!.length > 0) continue;
    const path: number[] = [];
    for (let j = i; j !== -1; j = parent[j]!) path.unshift(j);
    retrievePaths.push(path);
  }
  return { paths, size, depth, parent, rank, children, ancestorOrSelf, topKPerHead, retrievePaths };
}

/** Additive attention mask [T, P+T]: every node sees the whole past and its own ancestors. */
export function treeMask(tree: CompiledTree, pastLength: number, maskValue: number): Float32Array {
  const t = tree.size;
  const width = pastLength + t;
  const mask = new Float32Array(t * width);
  for (let i = 0; i < t; i++) {
    const row = i * width + pastLength;
    for (let j = 0; j < t; j++) if (tree.ancestorOrSelf[i * t + j] === 0) mask[row + j] = maskValue;
  }
  return mask;
}

/** Rotary positions: a node at depth d sits at P + d. */
export function treePositions(tree: CompiledTree, pastLength: number): number[] {
  return Array.from(tree.depth, (d) => pastLength + d);
}
