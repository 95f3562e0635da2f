"""Static candidate trees chosen from measured head accuracies, and the backend cost curves they trade off.

A node is the path of top-k ranks from the root ([0, 1] = head 0's top-1 then head 1's top-2). Its chance of
being accepted is approximated by the product of per-depth rank accuracies; a tree's expected accepted length
is the sum over its nodes. Nodes are added greedily by that product (a child never beats its parent, so
parents always come first)."""
from __future__ import annotations

import numpy as np

# cost(T)/cost(1) measured on this machine for a 5.9 M model, 256 past tokens (`npm run bench:cost-curve`);
# written into manifest.json as cost_curves, which the engine falls back to where it cannot time steps.
COST_CURVES = {
    "wasm": {1: 1.0, 2: 1.06, 4: 1.41, 8: 1.95, 16: 3.17, 32: 5.63, 64: 10.5},
    "native": {1: 1.0, 2: 1.15, 4: 1.16, 8: 1.43, 16: 1.63, 32: 2.15, 64: 3.32},
    "gpu": {1: 1.0, 64: 1.0},  # a GPU forward of <= 64 tokens costs about one AR step
}
SIZE_RANGE = {"wasm": (4, 6), "native": (8, 12), "gpu": (16, 24)}


def cost_ratio(backend: str, T: int) -> float:
    """Interpolate the cost curve linearly in log2(T)."""
    pts = sorted(COST_CURVES[backend].items())
    xs, ys = np.log2([p[0] for p in pts]), [p[1] for p in pts]
    return float(np.interp(np.log2(T), xs, ys))


def grow_tree(rank_acc: np.ndarray, *, size: int) -> tuple[list[list[int]], list[float]]:
    """rank_acc (K, R): P(head k's rank-r token is right). -> nodes (parents first) and their products."""
    K, R = rank_acc.shape
    frontier = {(r,): rank_acc[0, r] for r in range(R)}
    nodes, probs = [], []
    while len(nodes) < size and frontier:
        path = max(frontier, key=lambda p: (frontier[p], -len(p), [-x for x in p]))
        p = frontier.pop(path)
        nodes.append(list(path))
        probs.append(float(p))
        if len(path) < K:
            for r in range(R):
                frontier[path + (r,)] = p * rank_acc[len(path), r]
    return nodes, probs


def best_tree(rank_acc: np.ndarray, *, backend: str) -> dict:
    """Within the backend's size range, the tree maximising (1 + E[accepted]) / cost(nodes + root)."""
    lo, hi = SIZE_RANGE[backend]
    nodes, probs = grow_tree(rank_acc, size=hi)
    scores = {n: (1 + sum(probs[:n])) / cost_ratio(backend, n + 1) for n in range(lo, hi + 1)}
    n = max(scores, key=lambda s: (scores[s], s))
    return {"nodes": nodes[:n], "expected_accepted": round(sum(probs[:n]), 4), "speedup_estimate": round(scores[n], 4)}


def accepted_along_tree(tree: list[list[int]], ranks: np.ndarray) -> int:
    """ranks (K,): rank of the true greedy token in each head's list (-1 = beyond the list). Accepted extra
    tokens = depth of the deepest tree node whose path matches the true ranks on every level."""
    best = 0
    for path in tree:
        if all(ranks[d] == r for d, r in enumerate(path)):
            best = max(best, len(path))
    return best
