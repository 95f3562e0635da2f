"""Cross-check of the gate calibration: for positions of greedy valid continuations, run a real tree
verification step in PyTorch (heads -> tree of candidates -> one masked forward -> greedy walk) and compare
its accepted length with calibrate.py's shortcut (ranks of the greedy tokens matched against tree paths)."""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from common import log, read_json, set_threads
from distill import greedy_set
from export_onnx import tree_mask
from heads import load_heads
from model import causal_mask, load_base
from trees import accepted_along_tree


@torch.no_grad()
def verified_step(base, heads, seq: torch.Tensor, t: int, tree: list[list[int]]) -> tuple[int, np.ndarray]:
    """Accepted extra tokens of one real greedy tree step after position t, and the greedy tokens' ranks."""
    logits, h, past = base(seq[:, :t + 1], position_ids=torch.arange(t + 1)[None], mask=causal_mask(t + 1))
    root = logits[0, t].argmax()
    top = heads(h[0, t:t + 1], root[None] if heads.cfg.root else None)[0].topk(10, -1).indices  # (K, 10)
    toks = [int(root)] + [int(top[len(p) - 1, p[-1]]) for p in tree]
    parents = [-1] + [0 if len(p) == 1 else 1 + tree.index(p[:-1]) for p in tree]
    depth = [0] + [len(p) for p in tree]
    P = t + 1
    lg, _, _ = base(torch.tensor([toks]), position_ids=torch.tensor([[P + d for d in depth]]),
                    mask=tree_mask(parents, P=P), past=past)
    pred = lg[0].argmax(-1)
    cur, accepted = 0, 0
    while True:  # greedy verification: follow the child whose token is the base model's argmax
        kids = [i for i in range(len(toks)) if parents[i] == cur and toks[i] == int(pred[cur])]
        if not kids:
            return accepted, greedy_ranks(top, seq, t)
        cur, accepted = kids[0], accepted + 1


def greedy_ranks(top: torch.Tensor, seq: torch.Tensor, t: int) -> np.ndarray:
    hits = [(top[k] == seq[0, t + k + 2]).nonzero().flatten().tolist() for k in range(top.shape[0])]
    return np.array([h[0] if h else -1 for h in hits])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--work", type=Path, required=True, help="pipeline work dir (base.pt, heads-*.pt, valid.npy)")
    ap.add_argument("--kind", default="cerberus", choices=["cerberus", "medusa"])
    ap.add_argument("--sequences", type=int, default=8)
    args = ap.parse_args()
    set_threads()
    verify(work=args.work, kind=args.kind, sequences=args.sequences)


def verify(*, work: Path, kind: str = "cerberus", sequences: int = 8) -> float:
    """Returns the mean accepted length of the real steps; raises if any step disagrees with the shortcut."""
    base, heads = load_base(work / "base.pt"), load_heads(work / f"heads-{kind}.pt")
    tree = read_json(work / "calibration.json")["trees"][kind]["native"]["nodes"]
    gs = greedy_set(base, np.load(work / "valid.npy"), prompts=sequences, prompt_len=16, new_tokens=40, seed=3)
    agree, total, accepted = 0, 0, []
    for row, length in zip(gs["tokens"], gs["lengths"]):
        seq = torch.from_numpy(row.astype(np.int64))[None]
        for t in range(15, int(length) - 6):
            real, ranks = verified_step(base, heads, seq, t, tree)
            agree += int(real == accepted_along_tree(tree, ranks))
            total += 1
            accepted.append(real)
    log(f"verify: {agree}/{total} steps agree; mean accepted (real verification) {np.mean(accepted):.3f}")
    assert agree == total, "calibration shortcut disagrees with real tree verification"
    return float(np.mean(accepted))


if __name__ == "__main__":
    main()
