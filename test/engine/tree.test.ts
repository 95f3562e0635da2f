import { describe, expect, it } from 'vitest';
import { isEngineError } from '../../src/errors';
import { causalMask } from '../../src/tree/causal-mask';
import { compileTree, treeMask, treePositions } from '../../src/tree/compile-tree';

const M = -10000;

describe('compileTree', () => {
  // root ─ a[0] ─ c[0,0] ─ e[0,0,0]
  //      ├ b[1] ─ d[1,0]
  //      └ f[0,1] (child of a)
  const paths = [[0], [1], [0, 0], [1, 0], [0, 0, 0], [0, 1]];
  const tree = compileTree(paths, 4);

  it('numbers nodes root first, then in path order, with depth, parent and rank', () => {
    expect(tree.size).toBe(7);
    expect(Array.from(tree.depth)).toEqual([0, 1, 1, 2, 2, 3, 2]);
    expect(Array.from(tree.parent)).toEqual([-1, 0, 0, 1, 2, 3, 1]);
    expect(Array.from(tree.rank)).toEqual([-1, 0, 1, 0, 0, 0, 1]);
    expect(tree.topKPerHead).toEqual([2, 2, 1]);
  });

  it('lists one retrieve path per leaf, root to leaf', () => {
    expect(tree.retrievePaths).toEqual([
      [0, 2, 4],
      [0, 1, 3, 5],
      [0, 1, 6],
    ]);
  });

  it('builds a mask: full attention to the past, ancestors-or-self inside the tree', () => {
    const p = 2;
    const mask = treeMask(tree, p, M);
    const width = p + tree.size;
    const row = (i: number) => Array.from(mask.subarray(i * width, (i + 1) * width));
    const attends = (i: number) => row(i).map((v) => (v === 0 ? 1 : 0));
    expect(attends(0)).toEqual([1, 1, 1, 0, 0, 0, 0, 0, 0]);
    expect(attends(5)).toEqual([1, 1, 1, 1, 0, 1, 0, 1, 0]); // e: root, a, c, itself
    expect(attends(4)).toEqual([1, 1, 1, 0, 1, 0, 1, 0, 0]); // d: root, b, itself
    expect(attends(6)).toEqual([1, 1, 1, 1, 0, 0, 0, 0, 1]); // f: root, a, itself
    expect(row(4).filter((v) => v !== 0)).toEqual(Array(4).fill(M));
  });

  it('places nodes at P + depth', () => {
    expect(treePositions(tree, 10)).toEqual([10, 11, 11, 12, 12, 13, 12]);
  });

  it('a chain tree is exactly a causal block', () => {
    const chain = compileTree([[0], [0, 0], [0, 0, 0]], 4);
    expect(Array.from(treeMask(chain, 5, M))).toEqual(Array.from(causalMask(5, 4, M)));
    expect(treePositions(chain, 5)).toEqual([5, 6, 7, 8]);
  });

  it('rejects malformed trees with a typed error', () => {
    const bad = [
      [[0, 0]], // parent [0] missing
      [[1], [1]], // duplicate
      [[0], [0, 0], [0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0, 0]], // deeper than 4 heads
      [[-1]],
      [[]],
    ];
    for (const paths of bad) {
      let caught: unknown;
      try {
        compileTree(paths, 4);
      } catch (error) {
        caught = error;
      }
      expect(isEngineError(caught, 'invalid-options'), JSON.stringify(paths)).toBe(true);
    }
  });
});

describe('causalMask', () => {
  it('lets token i of the block see the past and block tokens 0..i', () => {
    const mask = causalMask(1, 3, M);
    expect(Array.from(mask)).toEqual([0, 0, M, M, 0, 0, 0, M, 0, 0, 0, 0]);
  });
});
