"""Train the base LM on a token stream, early-stopped on valid; prints train/valid loss, keeps the best."""
from __future__ import annotations

import argparse
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from common import log, set_threads
from model import ModelConfig, Transformer, causal_mask


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
    max_minutes: float = 60.0
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
    torch.save({"config": model.cfg.to_dict(), "model": model.state_dict(), **extra}, path)


def train_base(*, cfg: ModelConfig, tc: TrainConfig, train: np.ndarray, valid: np.ndarray, out: Path) -> dict:
    torch.manual_seed(tc.seed)
    rng = np.random.default_rng(tc.seed)
    model = Transformer(cfg).train()
    opt = make_optimizer(model, tc)
    log(f"base: {model.num_parameters():,} parameters, {len(train):,} train tokens, {len(valid):,} valid tokens")
    best, bad, t0, step, history = float("inf"), 0, time.time(), 0, []
    for step in range(tc.max_steps):
        for g in opt.param_groups:
            g["lr"] = lr_at(step, tc, minutes=(time.time() - t0) / 60)
        x, y = windows(train, seq_len=tc.seq_len, starts=rng.integers(0, len(train) - tc.seq_len - 1, tc.batch_size))
        loss = lm_loss(model, x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        minutes = (time.time() - t0) / 60
        last = step == tc.max_steps - 1 or minutes > tc.max_minutes
        if (step + 1) % tc.eval_every == 0 or last:
            vl = evaluate(model, valid, seq_len=tc.seq_len, max_windows=tc.eval_windows)
            tokens = (step + 1) * tc.batch_size * tc.seq_len
            history.append({"step": step + 1, "tokens": tokens, "train_loss": loss.item(), "valid_loss": vl})
            log(f"base step {step + 1}: train {loss.item():.3f} valid {vl:.3f} "
                f"({tokens / (time.time() - t0):.0f} tok/s, {minutes:.1f} min)")
            if vl < best:
                best, bad = vl, 0
                save(out, model, step=step + 1, tokens_seen=tokens, valid_loss=vl)
            else:
                bad += 1
            if bad >= tc.patience:
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
    ap.add_argument("--out", type=Path, required=True, help="checkpoint to write (best on valid)")
    args = ap.parse_args()
    set_threads()
    result = train_base(cfg=ModelConfig(**json.loads(args.model_config)), tc=TrainConfig(**json.loads(args.train_config)),
                        train=np.load(args.train), valid=np.load(args.valid), out=args.out)
    print(json.dumps({k: v for k, v in result.items() if k != "history"}))


if __name__ == "__main__":
    main()
