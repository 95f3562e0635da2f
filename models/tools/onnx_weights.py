"""Read a shipped base.onnx back into a PyTorch state dict, so training can continue from the shipped weights
(the ONNX initializers are the only copy of a model that is not on this machine's models/runs)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from model import ModelConfig, Transformer

# Per block, the exporter writes the four Linear weights as transposed MatMul initializers in this order.
_LINEARS = ("attn.qkv", "attn.out", "ffn.gate_up", "ffn.down")


def base_state_from_onnx(path: Path, cfg: ModelConfig) -> dict[str, torch.Tensor]:
    inits = {i.name: numpy_helper.to_array(i) for i in onnx.load(str(path)).graph.initializer}
    named = {k.removeprefix("model."): v for k, v in inits.items() if k.startswith("model.")}
    anonymous = [v for k, v in inits.items() if not k.startswith("model.") and v.ndim == 2]
    assert len(anonymous) == 4 * cfg.n_layers, f"{path.name}: expected {4 * cfg.n_layers} MatMul weights, found {len(anonymous)}"
    state = {k: torch.from_numpy(np.array(v)) for k, v in named.items()}
    for i in range(cfg.n_layers):
        for j, lin in enumerate(_LINEARS):
            state[f"blocks.{i}.{lin}.weight"] = torch.from_numpy(np.ascontiguousarray(anonymous[4 * i + j].T))
    expected = Transformer(cfg).state_dict()
    for k, v in expected.items():
        assert k in state and state[k].shape == v.shape, f"{path.name}: {k} missing or mis-shaped ({state.get(k, torch.empty(0)).shape} vs {v.shape})"
    return state


def load_base_from_onnx(path: Path, cfg: ModelConfig) -> Transformer:
    model = Transformer(cfg)
    model.load_state_dict(base_state_from_onnx(path, cfg))
    return model.eval()
