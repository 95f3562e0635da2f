"""Read a shipped base.onnx (and heads graphs) back into PyTorch, so training can continue from the shipped weights
(the ONNX initializers are the only copy of a model that is not on this machine's models/runs)."""
from __future__ import annotations

import argparse
import base64
import json
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from heads import Heads, HeadsConfig
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


def heads_from_onnx(folder: Path, kind: str, lm_head: torch.Tensor) -> Heads:
    """The heads of a shipped model folder as PyTorch modules, checked against the folder's parity.json.

    Named initializers (the blocks' Gemm weights) map by name; the exporter writes the mixes' Linear weights
    as anonymous transposed MatMul initializers, in the order the heads use them: the root mix first (root
    heads), then head 2's, 3's, ... mix. Shortlisted graphs carry a column subset of the LM head; the heads
    keep the base's full one (the shortlist stage cuts it again)."""
    folder = Path(folder)
    graph = onnx.load(str(folder / f"heads-{kind}.onnx")).graph
    inits = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    root = any(i.name == "root_token" for i in graph.input)
    num_heads = 1 + max(int(k.split(".")[1]) for k in inits if k.startswith("blocks."))
    mlp_hidden = tuple(inits[f"mlps.{k}.up.weight"].shape[0] if f"mlps.{k}.up.weight" in inits else 0
                       for k in range(num_heads))
    cfg = HeadsConfig(kind=kind, num_heads=num_heads, d_model=lm_head.shape[0], vocab_size=lm_head.shape[1], root=root,
                      mlp_hidden=mlp_hidden if any(mlp_hidden) else ())
    heads = Heads(cfg, lm_head=lm_head)
    state = {k: torch.from_numpy(np.array(v)) for k, v in inits.items() if k.startswith(("blocks.", "mlps."))}
    mixes = [k for k, v in inits.items() if k.startswith("onnx::MatMul") and v.shape == (2 * cfg.d_model, cfg.d_model)]
    names = (["root_mix"] if root else []) + ([f"mix.{k}" for k in range(num_heads - 1)] if kind == "cerberus" else [])
    assert len(mixes) == len(names), f"heads-{kind}.onnx: expected {len(names)} mix weights, found {len(mixes)}"
    for name, init in zip(names, mixes):
        state[f"{name}.weight"] = torch.from_numpy(np.ascontiguousarray(inits[init].T))
    state["lm_head"] = lm_head
    heads.load_state_dict(state)
    check_heads_parity(folder, kind, heads.eval())
    return heads


def check_heads_parity(folder: Path, kind: str, heads: Heads) -> None:
    parity = json.loads((folder / "parity.json").read_text())["heads"]
    manifest = json.loads((folder / "manifest.json").read_text())
    d = heads.cfg.d_model
    h = torch.from_numpy(np.frombuffer(base64.b64decode(parity["hidden_states"]), dtype="<f4").reshape(-1, d).copy())
    root = torch.tensor(parity["root_token"], dtype=torch.int64) if heads.cfg.root else None
    with torch.no_grad():
        got = heads(h, root).numpy()
    ids = manifest["heads"][kind].get("shortlist", {}).get("ids")
    if ids is not None:
        got = got[..., ids]
    want = np.frombuffer(base64.b64decode(parity[kind]), dtype="<f4").reshape(got.shape)
    diff = float(np.abs(got - want).max())
    assert diff < 1e-3, f"heads-{kind}.onnx read back differs from parity.json by {diff:.2e}"


def lm_head_from_onnx(path: Path) -> torch.Tensor:
    """The base's tied LM head (D, V), the one initializer the exporter names model.lm_head."""
    init = next(i for i in onnx.load(str(path)).graph.initializer if i.name == "model.lm_head")
    return torch.from_numpy(np.array(numpy_helper.to_array(init)))


def main() -> None:
    """Reads a model folder's heads graphs back and checks them against its parity.json: the path a warm start
    from shipped weights takes (the smoke run exercises it)."""
    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("folder", type=Path)
    folder = ap.parse_args().folder
    lm_head = lm_head_from_onnx(folder / "base.onnx")
    for kind in json.loads((folder / "manifest.json").read_text())["heads"]:
        heads = heads_from_onnx(folder, kind, lm_head)
        print(f"{folder}: heads-{kind}.onnx reads back ({heads.cfg.num_heads} heads, root {heads.cfg.root}, "
              f"second blocks {heads.cfg.mlp_hidden or 'none'})")


if __name__ == "__main__":
    main()
