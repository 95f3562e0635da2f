"""Decoding heads over the frozen base model's final hidden state: Medusa (independent ResBlocks) and
Cerberus (head k's block input mixes its own state with head k-1's internal state), per the contract.

`root` heads (Cerberus on tinystories-6m) also read the root token: the token the base model itself chose
at the position the heads read (its argmax at temperature 0), which every step knows before the heads run.
The first head's block input then mixes h with that token's embedding (the tied LM-head column), so it need
not guess the token in between; the later heads read it through the first head's state.

`mlp_hidden` gives head k (k < len) a second, wider block after its ResBlock, z + W2 SiLU(W1 z) (D -> width
-> D, W2 zero-initialised so heads warm-started from narrower ones begin exactly where those were): what the
first heads lacked was capacity (models/README.md)."""
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
    root: bool = False
    mlp_hidden: tuple = ()  # per head, the hidden width of its second block (0: none)

    def __post_init__(self):
        assert self.kind in KINDS, f"head kind must be one of {KINDS}, got {self.kind!r}"
        object.__setattr__(self, "mlp_hidden", tuple(int(w) for w in self.mlp_hidden))
        assert len(self.mlp_hidden) <= self.num_heads, f"mlp_hidden names {len(self.mlp_hidden)} heads of {self.num_heads}"

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


class MLPBlock(nn.Module):
    """x + W2 SiLU(W1 x) through a wider hidden layer; W2 (and its bias) zero-initialised: starts as the identity."""

    def __init__(self, d: int, hidden: int):
        super().__init__()
        self.up = nn.Linear(d, hidden)
        self.down = nn.Linear(hidden, d)
        nn.init.zeros_(self.down.weight)
        nn.init.zeros_(self.down.bias)

    def forward(self, x):
        return x + self.down(F.silu(self.up(x)))


class Heads(nn.Module):
    def __init__(self, cfg: HeadsConfig, *, lm_head: torch.Tensor):
        super().__init__()
        self.cfg = cfg
        D = cfg.d_model
        # The base model's LM head (D, V), frozen; a buffer so it is exported with the heads graph.
        self.register_buffer("lm_head", lm_head.detach().clone())
        self.blocks = nn.ModuleList(ResBlock(D) for _ in range(cfg.num_heads))
        if any(cfg.mlp_hidden):
            self.mlps = nn.ModuleList(MLPBlock(D, w) if w else nn.Identity() for w in cfg.mlp_hidden)
        if cfg.kind == "cerberus":
            self.mix = nn.ModuleList(nn.Linear(2 * D, D, bias=False) for _ in range(cfg.num_heads - 1))
            for lin in self.mix:  # [I | 0]: head k starts as a Medusa head on h, then learns to use z_{k-1}
                with torch.no_grad():
                    lin.weight.zero_()
                    lin.weight[:, :D].copy_(torch.eye(D))
        if cfg.root:  # [I | 0] too: a head started from root-less heads computes what they did, then learns
            self.root_mix = nn.Linear(2 * D, D, bias=False)
            with torch.no_grad():
                self.root_mix.weight.zero_()
                self.root_mix.weight[:, :D].copy_(torch.eye(D))

    def states(self, h: torch.Tensor, root: torch.Tensor | None = None) -> torch.Tensor:
        """h (N, D), root (N,) token ids (root heads only) -> z (N, K, D): each head's state before the LM head."""
        if self.cfg.root != (root is not None):
            raise ValueError(f"{self.cfg.kind} heads {'need' if self.cfg.root else 'take no'} root tokens")
        zs = []
        mlps = list(getattr(self, "mlps", ()))
        for k, block in enumerate(self.blocks):
            if k == 0 and root is not None:
                u = self.root_mix(torch.cat([h, self.lm_head[:, root].T], dim=-1))
            elif self.cfg.kind == "medusa" or k == 0:
                u = h
            else:
                u = self.mix[k - 1](torch.cat([h, zs[-1]], dim=-1))  # (N, D)
            z = block(u)
            zs.append(mlps[k](z) if k < len(mlps) else z)
        return torch.stack(zs, dim=1)

    def forward(self, h: torch.Tensor, root: torch.Tensor | None = None) -> torch.Tensor:
        return self.states(h, root) @ self.lm_head  # (N, K, V)


def load_heads(path) -> Heads:
    ckpt = torch.load(path, map_location="cpu")
    cfg = HeadsConfig(**ckpt["config"])
    heads = Heads(cfg, lm_head=ckpt["model"]["lm_head"])
    heads.load_state_dict(ckpt["model"])
    return heads.eval()
