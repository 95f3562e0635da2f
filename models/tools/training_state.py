"""The whole training state of a resumable run (weights, optimizer moments, both RNGs, and whatever schedule
position the trainer keeps), written atomically beside the run's best checkpoint: a killed run resumes from
it. Shared by train_base.py and train_heads.py."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch


def training_state_path(out: Path) -> Path:
    """<name>-train-state.pt beside the checkpoint `out`."""
    return out.with_name(out.stem + "-train-state.pt")


def save_training_state(path: Path, *, model: torch.nn.Module, opt: torch.optim.Optimizer,
                        rng: np.random.Generator, **extra) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "rng": rng.bit_generator.state,
                "torch_rng": torch.get_rng_state(), **extra}, tmp)
    os.replace(tmp, path)  # a run killed mid-write keeps the previous file


def load_training_state(path: Path, *, model: torch.nn.Module, opt: torch.optim.Optimizer,
                        rng: np.random.Generator) -> dict:
    """Restores model, optimizer and RNGs in place; returns the whole state for the trainer's own fields."""
    st = torch.load(path, map_location="cpu")
    model.load_state_dict(st["model"])
    opt.load_state_dict(st["opt"])
    rng.bit_generator.state = st["rng"]
    torch.set_rng_state(st["torch_rng"])
    return st
