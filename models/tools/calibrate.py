"""Measure the heads on valid text: accuracy table (vs the base model's greedy chain and vs the data), rank
accuracies, default trees per backend class, and the gate calibration (accepted length per entropy bin)."""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from common import log, set_threads, write_json
from rows import load_valid_rows
from heads import KINDS, Heads, load_heads
from train_heads import rows_roots, topk_accuracy
from trees import SIZE_RANGE, accepted_along_tree, best_tree, cost_ratio

RANKS = 10
BIN_EDGES = [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0]


@torch.no_grad()
def target_ranks(heads: Heads, rows: dict, *, batch: int = 2048) -> np.ndarray:
    """(N, K): rank of the target among each head's top-RANKS tokens; -1 if absent or no target."""
    hidden, targets, roots = rows["hidden"], rows["targets"], rows["roots"]
    out = []
    for i in range(0, len(hidden), batch):
        h = torch.from_numpy(hidden[i:i + batch].astype(np.float32))
        top = heads(h, rows_roots(heads, roots[i:i + batch])).topk(RANKS, -1).indices.numpy()
        tg = targets[i:i + batch]
        hit = top == tg[..., None]  # (n, K, R)
        out.append(np.where(hit.any(-1), hit.argmax(-1), -1))
    return np.concatenate(out)


def rank_accuracy(ranks: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """(K, R): share of rows with a target where the target sits exactly at rank r."""
    ok = targets >= 0
    return np.stack([[((ranks[:, k] == r) & ok[:, k]).sum() / max(ok[:, k].sum(), 1) for r in range(RANKS)]
                     for k in range(ranks.shape[1])])


def gate_calibration(*, entropy: np.ndarray, ranks: np.ndarray, targets: np.ndarray, tree: list[list[int]],
                     vocab_size: int) -> dict:
    """Per entropy bin: mean extra tokens a greedy parallel step along `tree` accepts. Rows whose deeper
    targets run past the end of the text are left out so the count is not biased downwards."""
    full = (targets >= 0).all(1)
    acc = np.array([accepted_along_tree(tree, r) for r in ranks[full]])
    ent = entropy[full]
    top = round(float(np.log(vocab_size)), 4)  # the largest possible entropy
    edges = [e for e in BIN_EDGES if e < top] + [top]
    b = np.clip(np.digitize(ent, edges[1:-1]), 0, len(edges) - 2)
    mean = [round(float(acc[b == i].mean()), 4) if (b == i).any() else 0.0 for i in range(len(edges) - 1)]
    count = [int((b == i).sum()) for i in range(len(edges) - 1)]
    return {"bin_edges": edges, "mean_accepted": mean, "count": count, "overall_mean_accepted": round(float(acc.mean()), 4)}


def default_threshold(cal: dict, *, tree_size: int, backend: str = "native", min_count: int = 20) -> float:
    """Upper edge of the last populated bin before the first one where a parallel step stops paying:
    (1 + E[accepted | bin]) / cost_ratio(tree + root) > 1. Bins with fewer than min_count steps are skipped."""
    cost = cost_ratio(backend, tree_size + 1)
    threshold = 0.0
    for i, (m, n) in enumerate(zip(cal["mean_accepted"], cal["count"])):
        if n < min_count:
            continue
        if (1 + m) / cost <= 1:
            break
        threshold = cal["bin_edges"][i + 1]
    return round(float(threshold), 4)


def calibrate(*, work: Path, valid_greedy: dict, valid_data: dict, vocab_size: int) -> dict:
    res: dict = {"accuracy": {}, "rank_accuracy": {}, "trees": {}}
    for kind in KINDS:
        heads = load_heads(work / f"heads-{kind}.pt")
        g = topk_accuracy(heads, valid_greedy)
        d = topk_accuracy(heads, valid_data)
        res["accuracy"][kind] = {"greedy": g, "data": d}
        ranks = target_ranks(heads, valid_greedy)
        ra = rank_accuracy(ranks, valid_greedy["targets"])
        res["rank_accuracy"][kind] = ra.round(4).tolist()
        res["trees"][kind] = {b: best_tree(ra, backend=b) for b in SIZE_RANGE}
        if kind == "cerberus":
            tree = res["trees"][kind]["native"]["nodes"]
            cal = gate_calibration(entropy=valid_greedy["entropy"], ranks=ranks, targets=valid_greedy["targets"],
                                   tree=tree, vocab_size=vocab_size)
            res["gate"] = {"default_threshold": default_threshold(cal, tree_size=len(tree)),
                           "calibration": {"head_kind": kind, "tree": "native", **cal}}
        log(f"calibrate {kind}: greedy top1 {g['top1']} data top1 {d['top1']}")
    return res


def accuracy_table(acc: dict) -> str:
    """Markdown table: one row per (kind, reference), columns top-1/top-5 per head."""
    K = len(next(iter(acc.values()))["greedy"]["top1"])
    head = "| heads | measured against | " + " | ".join(f"head {k} top-1 / top-5" for k in range(K)) + " |"
    lines = [head, "|" + "---|" * (K + 2)]
    for kind, refs in acc.items():
        for ref, label in (("greedy", "base greedy chain"), ("data", "valid text")):
            cells = [f"{a:.3f} / {b:.3f}" for a, b in zip(refs[ref]["top1"], refs[ref]["top5"])]
            lines.append(f"| {kind} | {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--work", type=Path, required=True, help="pipeline work dir (heads-*.pt, rows-*.npz)")
    ap.add_argument("--vocab-size", type=int, required=True)
    args = ap.parse_args()
    set_threads()
    greedy, data = load_valid_rows(args.work)
    res = calibrate(work=args.work, valid_greedy=greedy, valid_data=data, vocab_size=args.vocab_size)
    write_json(args.work / "calibration.json", res)
    print(accuracy_table(res["accuracy"]))


if __name__ == "__main__":
    main()
