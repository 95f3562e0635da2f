"""A Llama-style decoder (RMSNorm, rotary positions, SwiGLU, causal attention) written for ONNX export.

One forward serves training (P = 0, causal mask) and the exported decoder step (past K/V, any additive
mask, only the new K/V returned). Attention is matmul + additive mask + softmax so every tree mask works.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

MASK_VALUE = -10000.0  # additive "blocked"; exp(-1e4) underflows to exactly 0 in fp32


@dataclass(frozen=True, kw_only=True)
class ModelConfig:
    vocab_size: int
    d_model: int
    n_layers: int
    n_heads: int
    ffn_hidden: int
    max_positions: int
    rope_theta: float = 10000.0
    norm_eps: float = 1e-5

    @property
    def head_dim(self) -> int:
        assert self.d_model % self.n_heads == 0, "d_model must be a multiple of n_heads"
        return self.d_model // self.n_heads

    def to_dict(self) -> dict:
        return asdict(self)


class RMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotary(x: torch.Tensor, position_ids: torch.Tensor, theta: float) -> torch.Tensor:
    """Rotate-half rotary embedding. x (B, H, T, Dh), position_ids (B, T). cos/sin are computed from the
    positions inside the graph, so tree nodes can share a position and no table is stored."""
    half = x.shape[-1] // 2
    inv_freq = 1.0 / (theta ** (torch.arange(0, half, dtype=torch.float32) / half))  # (Dh/2,)
    angles = position_ids.to(torch.float32)[:, None, :, None] * inv_freq  # (B, 1, T, Dh/2)
    cos, sin = torch.cos(angles), torch.sin(angles)
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1)


class Attention(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.qkv = nn.Linear(cfg.d_model, 3 * cfg.d_model, bias=False)
        self.out = nn.Linear(cfg.d_model, cfg.d_model, bias=False)

    def forward(self, x, *, position_ids, mask, past_k=None, past_v=None):
        B, T, _ = x.shape  # x (B, T, D); mask (B or 1, 1, T, P+T); past (B, H, P, Dh)
        H, Dh = self.cfg.n_heads, self.cfg.head_dim
        q, k, v = self.qkv(x).view(B, T, 3, H, Dh).permute(2, 0, 3, 1, 4).unbind(0)  # each (B, H, T, Dh)
        q = rotary(q, position_ids, self.cfg.rope_theta) * (1.0 / math.sqrt(Dh))  # scale (T, Dh), not (T, P+T)
        k = rotary(k, position_ids, self.cfg.rope_theta)  # keys are cached already rotated
        k_all = k if past_k is None else torch.cat([past_k, k], dim=2)  # (B, H, P+T, Dh)
        v_all = v if past_v is None else torch.cat([past_v, v], dim=2)
        scores = q @ k_all.transpose(-1, -2) + mask  # (B, H, T, P+T)
        y = torch.softmax(scores, dim=-1) @ v_all  # (B, H, T, Dh)
        y = y.transpose(1, 2).reshape(B, T, H * Dh)
        return self.out(y), k, v


class SwiGLU(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.gate_up = nn.Linear(cfg.d_model, 2 * cfg.ffn_hidden, bias=False)
        self.down = nn.Linear(cfg.ffn_hidden, cfg.d_model, bias=False)

    def forward(self, x):
        gate, up = self.gate_up(x).chunk(2, dim=-1)
        return self.down(F.silu(gate) * up)


class Block(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.attn_norm = RMSNorm(cfg.d_model, cfg.norm_eps)
        self.attn = Attention(cfg)
        self.ffn_norm = RMSNorm(cfg.d_model, cfg.norm_eps)
        self.ffn = SwiGLU(cfg)
        self.drop = nn.Dropout(0.0)  # a training setting, not architecture: set_dropout() changes it, eval() disables it

    def forward(self, x, *, position_ids, mask, past_k=None, past_v=None):
        a, k, v = self.attn(self.attn_norm(x), position_ids=position_ids, mask=mask, past_k=past_k, past_v=past_v)
        x = x + self.drop(a)
        return x + self.drop(self.ffn(self.ffn_norm(x))), k, v


class Transformer(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        # Tied embedding stored as the LM head's (D, V) matrix: the lookup gathers columns and the output is a
        # plain matmul, so the exported graph holds exactly one copy (no constant-folded transpose).
        self.lm_head = nn.Parameter(torch.randn(cfg.d_model, cfg.vocab_size) * 0.02)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layers))
        self.norm = RMSNorm(cfg.d_model, cfg.norm_eps)
        self._init_residual_outputs()

    def _init_residual_outputs(self) -> None:
        for name, p in self.named_parameters():
            if p.dim() == 2 and name != "lm_head":
                std = 0.02 / math.sqrt(2 * self.cfg.n_layers) if name.endswith(("out.weight", "down.weight")) else 0.02
                nn.init.normal_(p, std=std)

    def embed(self, input_ids: torch.Tensor) -> torch.Tensor:
        B, T = input_ids.shape
        cols = torch.index_select(self.lm_head, 1, input_ids.reshape(-1))  # (D, B*T)
        return cols.t().reshape(B, T, self.cfg.d_model)

    def forward(self, input_ids, *, position_ids, mask, past=None):
        """input_ids/position_ids (B, T); mask (B|1, 1, T, P+T) additive; past: list of (k, v) or None.
        Returns logits (B, T, V), hidden (B, T, D) after the final norm, and the new (k, v) per layer."""
        x = self.embed(input_ids)
        new_kv = []
        for i, block in enumerate(self.blocks):
            pk, pv = past[i] if past is not None else (None, None)
            x, k, v = block(x, position_ids=position_ids, mask=mask, past_k=pk, past_v=pv)
            new_kv.append((k, v))
        hidden = self.norm(x)
        return hidden @ self.lm_head, hidden, new_kv

    def set_dropout(self, p: float) -> None:
        """Residual-branch dropout for training on a small corpus (no parameters, so checkpoints and the
        exported graph are unchanged)."""
        for block in self.blocks:
            block.drop.p = p

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())


def causal_mask(T: int, *, P: int = 0) -> torch.Tensor:
    """(1, 1, T, P+T) additive mask: query t sees all P past tokens and query tokens <= t."""
    allowed = torch.ones(T, P + T, dtype=torch.bool).tril(diagonal=P)
    return torch.where(allowed, 0.0, MASK_VALUE)[None, None]


def load_base(path) -> Transformer:
    ckpt = torch.load(path, map_location="cpu")
    model = Transformer(ModelConfig(**ckpt["config"]))
    model.load_state_dict(ckpt["model"])
    return model.eval()
