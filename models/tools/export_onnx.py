"""Export base.onnx and heads-<kind>.onnx per docs/model-contract.md, plus parity.json: PyTorch's outputs
for a prefill (P = 0) and a tree-masked query block over that cache, which parity.mjs replays in
onnxruntime-node and onnxruntime-web."""
from __future__ import annotations

import argparse
import base64
from pathlib import Path

import numpy as np
import onnx
import torch

from base_graph import BaseDims, write_base
from common import log, set_threads, write_json
from heads import Heads, load_heads
from model import MASK_VALUE, Transformer, causal_mask, load_base

OPSET = 17


def export_base(model: Transformer, path: Path) -> None:
    """Written op by op from the weights (base_graph.py: a few kernels per layer instead of the ~90 that
    torch.onnx's trace has), checked against PyTorch by parity.json like any export."""
    cfg = model.cfg
    weights = {k: v.detach().cpu().numpy() for k, v in model.state_dict().items()}
    dims = BaseDims(vocab_size=cfg.vocab_size, d_model=cfg.d_model, n_layers=cfg.n_layers, n_heads=cfg.n_heads,
                    ffn_hidden=cfg.ffn_hidden, rope_theta=cfg.rope_theta, norm_eps=cfg.norm_eps)
    write_base(weights, dims, path)
    check_single_lm_head(path, numel=cfg.d_model * cfg.vocab_size)


def check_single_lm_head(path: Path, *, numel: int) -> None:
    """Tied embeddings must be stored once (a folded transpose would double the file)."""
    m = onnx.load(str(path))
    big = [i.name for i in m.graph.initializer if int(np.prod(i.dims)) == numel]
    assert len(big) == 1, f"{path.name}: expected one (D, V) matrix, found {big}"


def export_heads(heads: Heads, path: Path) -> None:
    """Root heads take `root_token` (int64 [N]) beside the hidden states (docs/model-contract.md)."""
    h = torch.randn(3, heads.cfg.d_model)
    args, names, axes = (h,), ["hidden_states"], {"hidden_states": {0: "N"}, "head_logits": {0: "N"}}
    if heads.cfg.root:
        args, names, axes = (h, torch.tensor([1, 2, 3])), names + ["root_token"], {**axes, "root_token": {0: "N"}}
    torch.onnx.export(heads, args, str(path), input_names=names, output_names=["head_logits"],
                      dynamic_axes=axes, opset_version=OPSET)


def b64(t: torch.Tensor) -> str:
    return base64.b64encode(t.detach().numpy().astype("<f4").tobytes()).decode()


def tree_mask(parents: list[int], *, P: int) -> torch.Tensor:
    """(1, 1, T, P+T) additive mask: every node sees the P cached tokens, itself and its ancestors."""
    T = len(parents)
    allowed = torch.zeros(T, P + T, dtype=torch.bool)
    allowed[:, :P] = True
    for i in range(T):
        j = i
        while j >= 0:
            allowed[i, P + j] = True
            j = parents[j]
    return torch.where(allowed, 0.0, MASK_VALUE)[None, None]


def tree_block(*, P: int) -> tuple[list[int], torch.Tensor, torch.Tensor]:
    """A 6-node tree (root, two children, grandchildren): parents, tree position ids and additive mask."""
    parents = [-1, 0, 0, 1, 1, 3]
    depth = [0, 1, 1, 2, 2, 3]
    return parents, torch.tensor([[P + d for d in depth]]), tree_mask(parents, P=P)


@torch.no_grad()
def parity_fixture(model: Transformer, heads: dict[str, Heads], *, prompt: list[int], tree_ids: list[int]) -> dict:
    P, T = len(prompt), len(tree_ids)
    ids = torch.tensor([prompt])
    pre_logits, _, past = model(ids, position_ids=torch.arange(P)[None], mask=causal_mask(P))
    parents, pos, mask = tree_block(P=P)
    assert len(parents) == T, "tree_ids must have one token per tree node"
    logits, hidden, _ = model(torch.tensor([tree_ids]), position_ids=pos, mask=mask, past=past)
    h = hidden[0, [T - 1]]  # (1, D): the deepest node (one row keeps parity.json small)
    root = logits[0, [T - 1]].argmax(-1)  # (1,): the token the base model chose there, what root heads read
    cfg = model.cfg
    return {
        "tolerance": 1e-3,
        "architecture": {"n_layers": cfg.n_layers, "n_kv_heads": cfg.n_heads, "head_dim": cfg.head_dim,
                         "d_model": cfg.d_model, "vocab_size": cfg.vocab_size},
        "files": {"base": "base.onnx", **{k: f"heads-{k}.onnx" for k in heads}},
        "prefill": {"input_ids": prompt, "position_ids": list(range(P)), "logits": b64(pre_logits[0])},
        "tree": {"input_ids": tree_ids, "position_ids": pos[0].tolist(), "parents": parents,
                 "attention_mask": b64(mask[0, 0]), "logits": b64(logits[0]), "hidden_states": b64(hidden[0])},
        "heads": {"hidden_states": b64(h), "root_token": root.tolist(),
                  **{k: b64(m(h, root if m.cfg.root else None)) for k, m in heads.items()}},
    }


def export_all(*, work: Path, out: Path, prompt: list[int], tree_ids: list[int]) -> None:
    model = load_base(work / "base.pt")
    heads = {k: load_heads(work / f"heads-{k}.pt") for k in ("cerberus", "medusa")}
    out.mkdir(parents=True, exist_ok=True)
    export_base(model, out / "base.onnx")
    for kind, m in heads.items():
        export_heads(m, out / f"heads-{kind}.onnx")
    write_json(out / "parity.json", parity_fixture(model, heads, prompt=prompt, tree_ids=tree_ids), indent=None)
    log(f"export: wrote base.onnx, heads-*.onnx, parity.json to {out}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--work", type=Path, required=True, help="dir with base.pt and heads-{cerberus,medusa}.pt")
    ap.add_argument("--out", type=Path, required=True, help="model folder to write the ONNX files into")
    ap.add_argument("--prompt", type=str, default="5,17,42,9", help="prefill token ids (P >= 3)")
    ap.add_argument("--tree-ids", type=str, default="11,23,7,31,2,19", help="6 tree node token ids")
    args = ap.parse_args()
    set_threads()
    export_all(work=args.work, out=args.out, prompt=[int(x) for x in args.prompt.split(",")],
               tree_ids=[int(x) for x in args.tree_ids.split(",")])


if __name__ == "__main__":
    main()
