"""Train decoding heads (cerberus or medusa) on the frozen base model's hidden states.

Rows come from two sources: the data stream (targets = the data's next tokens) and the base model's own
greedy continuations (targets = its argmax chain, which is what verification at temperature 0 accepts).
Both head kinds get the same steps, batch, learning rate and rows.
"""
from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from common import Progress, log, set_threads
from heads import Heads, HeadsConfig
from rows import load_head_rows
from training_state import load_training_state, save_training_state, training_state_path


@dataclass(frozen=True, kw_only=True)
class HeadsTrainConfig:
    steps: int = 3000
    batch_size: int = 512
    lr: float = 1e-3
    decay: float = 0.8  # loss weight of head k is decay**k: deep heads are inherently less predictable
    distill_frac: float = 0.5  # share of each batch drawn from the greedy (self-distilled) rows
    eval_every: int = 250
    max_minutes: float = 15.0
    seed: int = 0
    checkpoint_minutes: float = 5.0  # how often the whole training state is written (a kill loses at most this)
    # start from the heads already at `out` (a previous run's best) with a fresh schedule: more steps on the same
    # rows without re-learning what the last run learned
    warm_start: bool = False


def rows_roots(heads: Heads, roots) -> torch.Tensor | None:
    """The rows' root tokens as the heads take them: a tensor for root heads, None for the others."""
    if not heads.cfg.root:
        return None
    return roots if isinstance(roots, torch.Tensor) else torch.from_numpy(np.asarray(roots, dtype=np.int64))


def heads_loss(heads: Heads, h: torch.Tensor, targets: torch.Tensor, roots: torch.Tensor, *, decay: float) -> torch.Tensor:
    logits = heads(h, rows_roots(heads, roots))  # (N, K, V)
    K = logits.shape[1]
    losses = [F.cross_entropy(logits[:, k], targets[:, k], ignore_index=-100) for k in range(K)]
    w = [decay ** k for k in range(K)]
    return sum(wk * lk for wk, lk in zip(w, losses)) / sum(w)


@torch.no_grad()
def topk_accuracy(heads: Heads, rows: dict, *, ks=(1, 5), batch: int = 2048) -> dict:
    """Per head: share of rows (with a target) whose target is in the head's top-k."""
    hidden, targets, roots = rows["hidden"], rows["targets"], rows["roots"]
    K = targets.shape[1]
    hits = {k: np.zeros(K) for k in ks}
    count = np.zeros(K)
    for i in range(0, len(hidden), batch):
        logits = heads(torch.from_numpy(hidden[i:i + batch].astype(np.float32)), rows_roots(heads, roots[i:i + batch]))
        top = logits.topk(max(ks), dim=-1).indices.numpy()  # (n, K, kmax)
        tg = targets[i:i + batch]
        ok = tg >= 0
        count += ok.sum(0)
        for k in ks:
            hits[k] += ((top[..., :k] == tg[..., None]).any(-1) & ok).sum(0)
    return {f"top{k}": (hits[k] / np.maximum(count, 1)).round(4).tolist() for k in ks}


def sample_rows(rng, sets: list[dict], *, batch: int, frac: float) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(hidden, targets, roots) of round(batch*frac) rows from the greedy set (sets[1]) and the rest from the
    data set (sets[0])."""
    n_g = int(round(batch * frac)) if len(sets[1]["hidden"]) else 0
    parts = [(sets[0], batch - n_g), (sets[1], n_g)]
    h, t, r = [], [], []
    for s, n in parts:
        if n:
            idx = rng.integers(0, len(s["hidden"]), n)
            h.append(s["hidden"][idx])
            t.append(s["targets"][idx])
            r.append(s["roots"][idx])
    return (torch.from_numpy(np.concatenate(h).astype(np.float32)), torch.from_numpy(np.concatenate(t)),
            torch.from_numpy(np.concatenate(r).astype(np.int64)))


def save_heads(out: Path, heads: Heads, cfg: HeadsConfig, step: int) -> None:
    tmp = out.with_suffix(".tmp")
    torch.save({"config": cfg.to_dict(), "model": heads.state_dict(), "step": step}, tmp)
    os.replace(tmp, out)


def train_heads(*, cfg: HeadsConfig, tc: HeadsTrainConfig, lm_head: torch.Tensor, train_sets: list[dict],
                valid_set: dict, out: Path, log_path: Path | None = None) -> dict:
    """Trains, resumes (a training state beside `out`) or warm-starts (tc.warm_start: the heads at `out`).
    The linear schedule is a function of the step and the training minutes summed over runs, so a killed run
    continues its schedule instead of restarting it."""
    torch.manual_seed(tc.seed)
    rng = np.random.default_rng(tc.seed)
    heads = Heads(cfg, lm_head=lm_head).train()
    opt = torch.optim.AdamW([p for p in heads.parameters() if p.requires_grad], lr=tc.lr, weight_decay=0.0)
    vh = torch.from_numpy(valid_set["hidden"][:8192].astype(np.float32))
    vt = torch.from_numpy(valid_set["targets"][:8192])
    vr = torch.from_numpy(valid_set["roots"][:8192].astype(np.int64))

    def valid_loss() -> float:
        with torch.no_grad():
            heads.eval()
            vl = heads_loss(heads, vh, vt, vr, decay=tc.decay).item()
            heads.train()
        return vl

    best, first, prior_minutes = float("inf"), 0, 0.0
    state_file = training_state_path(out)
    if state_file.exists():
        st = load_training_state(state_file, model=heads, opt=opt, rng=rng)
        first, prior_minutes, best = st["step"], st["minutes"], st["best"]
        log(f"{cfg.kind}: resuming at step {first} ({prior_minutes:.1f} training minutes done, best valid {best:.4f})")
    else:
        if tc.warm_start and out.exists():
            # root heads may start from root-less ones (the missing root_mix keeps its [I | 0] start), heads
            # with second blocks from heads without (those start as the identity)
            saved = torch.load(out, map_location="cpu")["model"]
            missing, unexpected = heads.load_state_dict(saved, strict=False)
            if unexpected or any(not k.startswith(("root_mix.", "mlps.")) for k in missing):
                raise SystemExit(f"{cfg.kind}: {out.name} does not fit these heads (missing {missing}, unexpected {unexpected})")
            best = valid_loss()  # the starting point is the one to beat
            log(f"{cfg.kind}: warm start from {out.name}, valid {best:.4f}")
            if log_path is not None and log_path.exists():  # the earlier run's curve, kept for the plot
                log_path.replace(log_path.with_name(log_path.stem + "-before-warm-start.jsonl"))
        if log_path is not None:
            log_path.unlink(missing_ok=True)
    sizes = [len(s["hidden"]) for s in train_sets]
    log(f"{cfg.kind}: {sum(sizes):,} train rows ({sizes[0]:,} data, {sizes[1]:,} continuations)")
    meter = Progress(log_path, total_steps=tc.steps, max_minutes=tc.max_minutes, items_per_step=tc.batch_size,
                     unit="rows/s", label=cfg.kind)
    t0, last_ckpt, step = time.time(), time.time(), first
    for step in range(first, tc.steps):
        minutes = prior_minutes + (time.time() - t0) / 60
        progress = max(step / tc.steps, minutes / tc.max_minutes)  # time budget ends annealed too
        for g in opt.param_groups:  # linear decay: the heads are small and converge quickly
            g["lr"] = tc.lr * max(0.02, 1 - progress)
        h, t, r = sample_rows(rng, train_sets, batch=tc.batch_size, frac=tc.distill_frac)
        loss = heads_loss(heads, h, t, r, decay=tc.decay)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        minutes = prior_minutes + (time.time() - t0) / 60
        last = step == tc.steps - 1 or minutes > tc.max_minutes
        row = {"step": step + 1, "train_loss": round(loss.item(), 4), "lr": opt.param_groups[0]["lr"], "minutes": round(minutes, 2)}
        evaluating = (step + 1) % tc.eval_every == 0 or last
        if evaluating:
            vl = valid_loss()
            row["valid_loss"] = round(vl, 4)
        meter.update(step + 1, minutes, row)
        if evaluating and vl < best:
            best = vl
            save_heads(out, heads, cfg, step + 1)
        if last or time.time() - last_ckpt > tc.checkpoint_minutes * 60:
            save_training_state(state_file, model=heads, opt=opt, rng=rng, step=step + 1, minutes=minutes, best=best)
            last_ckpt = time.time()
        if last:
            state_file.unlink()  # finished: a later run of the stage starts over (or warm-starts)
            break
    return {"kind": cfg.kind, "steps": step + 1, "best_valid_loss": best}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--kind", choices=["cerberus", "medusa"], required=True)
    ap.add_argument("--work", type=Path, required=True, help="pipeline work dir (base.pt, rows-*.npz)")
    ap.add_argument("--num-heads", type=int, default=4)
    ap.add_argument("--root", action="store_true", help="heads that also read the root token (heads.py)")
    ap.add_argument("--mlp-hidden", type=str, default="", help="per head, the width of a second block, e.g. 1024,1024")
    ap.add_argument("--train-config", type=str, default="{}", help="HeadsTrainConfig overrides as JSON")
    args = ap.parse_args()
    set_threads()
    base_ckpt = torch.load(args.work / "base.pt", map_location="cpu")
    lm_head = base_ckpt["model"]["lm_head"]
    train_sets, valid_set = load_head_rows(args.work)
    cfg = HeadsConfig(kind=args.kind, num_heads=args.num_heads, d_model=lm_head.shape[0], vocab_size=lm_head.shape[1],
                      root=args.root, mlp_hidden=tuple(int(w) for w in args.mlp_hidden.split(",") if w))
    res = train_heads(cfg=cfg, tc=HeadsTrainConfig(**json.loads(args.train_config)), lm_head=lm_head,
                      train_sets=train_sets, valid_set=valid_set, out=args.work / f"heads-{args.kind}.pt")
    print(json.dumps(res))


if __name__ == "__main__":
    main()
