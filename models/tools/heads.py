"""Decoding heads over the frozen base model's final hidden state: Medusa (independent ResBlocks) and
Cerberus (head k's block input mixes its own state with head k-1's internal state), per the contract."""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

KINDS = ("cerberus", "medusa")


@dataclass(frozen=True, kw_only=True)
class HeadsConfig:
    kind: str
    num_heads: int
    d_model: int
    vocab_size: int

    def __post_init__(self):
        assert self.kind in KINDS, f"head kind must be one of {KINDS}, got {self.kind!r}"

    def to_dict(self) -> dict:
        return asdict(self)


class ResBlock(nn.Module):
    """x + SiLU(W x), W zero-initialised so a fresh head starts as the base model's own LM head."""

    def __init__(self, d: int):
        super().__init__()
        self.linear = nn.Linear(d, d)
        nn.init.zeros_(self.linear.weight)
        nn.init.zeros_(self.linear.bias)

    def forward(self, x):
        return x + F.silu(self.linear(x))


class Heads(nn.Module):
    def __init__(self, cfg: HeadsConfig, *, lm_head: torch.Tensor):
        super().__init__()
        self.cfg = cfg
        D = cfg.d_model
        # The base model's LM head (D, V), frozen; a buffer so it is exported with the heads graph.
        self.register_buffer("lm_head", lm_head.detach().clone())
        self.blocks = nn.ModuleList(ResBlock(D) for _ in range(cfg.num_heads))
        if cfg.kind == "cerberus":
            self.mix = nn.ModuleList(nn.Linear(2 * D, D, bias=False) for _ in range(cfg.num_heads - 1))
            for lin in self.mix:  # [I | 0]: head k starts as a Medusa head on h, then learns to use z_{k-1}
                with torch.no_grad():
                    lin.weight.zero_()
                    lin.weight[:, :D].copy_(torch.eye(D))

    def states(self, h: torch.Tensor) -> torch.Tensor:
        """h (N, D) -> z (N, K, D): each head's state right before the LM head."""
        zs = []
        for k, block in enumerate(self.blocks):
            if self.cfg.kind == "medusa" or k == 0:
                zs.append(block(h))
            else:
                u = self.mix[k - 1](torch.cat([h, zs[-1]], dim=-1))  # (N, D)
                zs.append(block(u))
        return torch.stack(zs, dim=1)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.states(h) @ self.lm_head  # (N, K, V)


def load_heads(path) -> Heads:
    ckpt = torch.load(path, map_location="cpu")
    cfg = HeadsConfig(**ckpt["config"])
    heads = Heads(cfg, lm_head=ckpt["model"]["lm_head"])
    heads.load_state_dict(ckpt["model"])
    return heads.eval()
