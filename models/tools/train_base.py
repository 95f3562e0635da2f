"""Train the base LM on a token stream, early-stopped on valid; prints train/valid loss, keeps the best."""
from __future__ import annotations

import argparse
import json
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from common import Progress, log, set_threads
from model import ModelConfig, Transformer, causal_mask
from training_state import load_training_state, save_training_state, training_state_path


@dataclass(frozen=True, kw_only=True)
class TrainConfig:
    seq_len: int = 512
    batch_size: int = 8
    lr: float = 1e-3
    min_lr: float = 1e-4
    warmup_steps: int = 100
    max_steps: int = 4000
    weight_decay: float = 0.1
    eval_every: int = 200
    eval_windows: int = 64
    patience: int = 3  # evals without improvement before stopping
    max_minutes: float = 60.0  # training minutes, summed over resumed runs
    dropout: float = 0.0
    checkpoint_minutes: float = 5.0  # how often the whole training state is written (a kill loses at most this)
    seed: int = 0


def windows(stream: np.ndarray, *, seq_len: int, starts: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """(B, seq_len) inputs and next-token targets from fixed start offsets."""
    idx = starts[:, None] + np.arange(seq_len + 1)[None]  # (B, L+1)
    chunk = torch.from_numpy(stream[idx].astype(np.int64))
    return chunk[:, :-1], chunk[:, 1:]


def lm_loss(model: Transformer, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    B, T = x.shape
    pos = torch.arange(T)[None].expand(B, T)
    logits, _, _ = model(x, position_ids=pos, mask=causal_mask(T))
    return F.cross_entropy(logits.reshape(B * T, -1), y.reshape(-1))


@torch.no_grad()
def evaluate(model: Transformer, stream: np.ndarray, *, seq_len: int, max_windows: int | None, batch: int = 8) -> float:
    """Mean next-token loss over non-overlapping windows of the valid stream (the first max_windows)."""
    model.eval()
    starts = np.arange(0, len(stream) - seq_len - 1, seq_len)[:max_windows]
    total, n = 0.0, 0
    for i in range(0, len(starts), batch):
        x, y = windows(stream, seq_len=seq_len, starts=starts[i:i + batch])
        total += lm_loss(model, x, y).item() * y.numel()
        n += y.numel()
    model.train()
    return total / n


def lr_at(step: int, tc: TrainConfig, *, minutes: float = 0.0) -> float:
    """Warmup, then cosine to min_lr over whichever runs out first, steps or minutes: on a shared machine
    the time budget may end the run, and it should still end annealed."""
    if step < tc.warmup_steps:
        return tc.lr * (step + 1) / tc.warmup_steps
    frac = min(1.0, max((step - tc.warmup_steps) / max(1, tc.max_steps - tc.warmup_steps), minutes / tc.max_minutes))
    return tc.min_lr + 0.5 * (tc.lr - tc.min_lr) * (1 + math.cos(math.pi * frac))


def make_optimizer(model: Transformer, tc: TrainConfig) -> torch.optim.Optimizer:
    decay = [p for p in model.parameters() if p.dim() >= 2]
    other = [p for p in model.parameters() if p.dim() < 2]
    groups = [{"params": decay, "weight_decay": tc.weight_decay}, {"params": other, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=tc.lr, betas=(0.9, 0.95))


def save(path: Path, model: Transformer, **extra) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save({"config": model.cfg.to_dict(), "model": model.state_dict(), **extra}, tmp)
    os.replace(tmp, path)  # a run killed mid-write keeps the previous file


def train_base(*, cfg: ModelConfig, tc: TrainConfig, train: np.ndarray, valid: np.ndarray, out: Path,
               init_state: dict | None = None, log_path: Path | None = None) -> dict:
    """Trains (or resumes) the base. The schedule position (steps and training minutes, summed over runs) is
    part of the checkpointed state, so a killed run continues its cosine instead of restarting it."""
    torch.manual_seed(tc.seed)
    rng = np.random.default_rng(tc.seed)
    model = Transformer(cfg)
    if init_state is not None:
        model.load_state_dict(init_state)
    opt = make_optimizer(model, tc)
    state_file = training_state_path(out)
    first, prior_minutes, best, bad, history = 0, 0.0, float("inf"), 0, []
    if state_file.exists():
        st = load_training_state(state_file, model=model, opt=opt, rng=rng)
        first, prior_minutes, best, bad, history = st["step"], st["minutes"], st["best"], st["bad"], st["history"]
        log(f"base: resuming at step {first} ({prior_minutes:.1f} training minutes done, best valid {best:.4f})")
    elif init_state is not None:
        best = evaluate(model, valid, seq_len=tc.seq_len, max_windows=tc.eval_windows)
        save(out, model, step=0, tokens_seen=0, valid_loss=best)  # the starting point is the one to beat
        history.append({"step": 0, "tokens": 0, "valid_loss": best})
        log(f"base: starting from the given weights, valid {best:.4f}")
    model.set_dropout(tc.dropout)
    model.train()
    log(f"base: {model.num_parameters():,} parameters, {len(train):,} train tokens, {len(valid):,} valid tokens, "
        f"dropout {tc.dropout}, weight decay {tc.weight_decay}")
    progress = Progress(log_path, total_steps=tc.max_steps, max_minutes=tc.max_minutes,
                        items_per_step=tc.batch_size * tc.seq_len)
    t0, last_ckpt, step = time.time(), time.time(), first - 1  # step + 1 at the end: steps run (first if none)
    for step in range(first, tc.max_steps):
        minutes = prior_minutes + (time.time() - t0) / 60
        lr = lr_at(step, tc, minutes=minutes)
        for g in opt.param_groups:
            g["lr"] = lr
        x, y = windows(train, seq_len=tc.seq_len, starts=rng.integers(0, len(train) - tc.seq_len - 1, tc.batch_size))
        loss = lm_loss(model, x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        minutes = prior_minutes + (time.time() - t0) / 60
        last = step == tc.max_steps - 1 or minutes > tc.max_minutes
        tokens = (step + 1) * tc.batch_size * tc.seq_len
        row = {"step": step + 1, "tokens": tokens, "train_loss": round(loss.item(), 4), "lr": lr, "minutes": round(minutes, 2)}
        if (step + 1) % tc.eval_every == 0 or last:
            vl = evaluate(model, valid, seq_len=tc.seq_len, max_windows=tc.eval_windows)
            row["valid_loss"] = round(vl, 4)
            history.append({"step": step + 1, "tokens": tokens, "train_loss": loss.item(), "valid_loss": vl})
            if vl < best:
                best, bad = vl, 0
                save(out, model, step=step + 1, tokens_seen=tokens, valid_loss=vl)
            else:
                bad += 1
        progress.update(step + 1, minutes, row)
        stop = bad >= tc.patience
        if stop or last or time.time() - last_ckpt > tc.checkpoint_minutes * 60:
            save_training_state(state_file, model=model, opt=opt, rng=rng, step=step + 1, minutes=minutes, best=best,
                                bad=bad, history=history)
            last_ckpt = time.time()
        if stop:
            log(f"base: early stop, valid has not improved for {bad} evals")
            break
        if last:
            break
    return {"best_valid_loss_subset": best, "steps": step + 1, "history": history}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--train", type=Path, required=True, help="train token stream (.npy, int32)")
    ap.add_argument("--valid", type=Path, required=True, help="valid token stream (.npy, int32)")
    ap.add_argument("--model-config", type=str, required=True, help="ModelConfig as JSON")
    ap.add_argument("--train-config", type=str, default="{}", help="TrainConfig overrides as JSON")
    ap.add_argument("--out", type=Path, required=True, help="checkpoint to write (best on valid); the resumable "
                    "training state goes beside it (<name>-train-state.pt) and a rerun continues from it")
    ap.add_argument("--init-onnx", type=Path, help="start from the weights of a shipped base.onnx")
    args = ap.parse_args()
    set_threads()
    cfg = ModelConfig(**json.loads(args.model_config))
    init = None
    if args.init_onnx:
        from onnx_weights import base_state_from_onnx
        init = base_state_from_onnx(args.init_onnx, cfg)
    result = train_base(cfg=cfg, tc=TrainConfig(**json.loads(args.train_config)), train=np.load(args.train),
                        valid=np.load(args.valid), out=args.out, init_state=init,
                        log_path=args.out.with_name(args.out.stem + "-log.jsonl"))
    print(json.dumps({k: v for k, v in result.items() if k != "history"}))


if __name__ == "__main__":
    main()
