"""base.onnx written op by op from the weights (docs/model-contract.md), instead of traced by torch.onnx.

Why: the traced graph has ~530 kernels per decoder step (rotary tables rebuilt in every layer, shape
arithmetic, casts), and at this model size onnxruntime spends more of a T = 1 step dispatching kernels than
multiplying matrices. This graph computes the same function with ~25 kernels per layer:

- one projection per layer, x @ [Wq | Wk | Wv], and rotary applied to the q|k block of all heads at once;
  cos/sin (with q's 1/sqrt(head_dim) folded in) are computed once per step from position_ids, for all
  layers. (Folding rotate-half into extra weight columns instead saves 4 kernels a layer but reads 12 % more
  weights, and measured slower);
- RMSNorm in the exact pattern onnxruntime fuses into SimplifiedLayerNormalization (CPU and wasm);
- reshapes with constant shapes (batch 1, `0`/`-1` wildcards), so no Shape/Gather/Concat shape arithmetic.

Tried and not kept (models/tools/step_ab.mjs, interleaved, docs/benchmarks/peer.md): com.microsoft
MultiHeadAttention with attention_bias and past_key/past_value (exact, but 1.17x slower per step on
onnxruntime-node, equal on wasm; note it ignores the past unless its present outputs are requested), and
splitting attention over cache and new tokens to avoid the K/V Concat (no change).

Only standard opset-17 operators, so onnxruntime-node, -web (wasm) and -webgpu all run it; the mask stays
an input, so any tree works. `read_base_weights` reads the weights back from any contract base.onnx (traced
or not), which is what export_gguf.py and re-exporting a shipped model use.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
MASK_VALUE = -10000.0  # the contract's blocked score (model.py, the manifest's mask_value)


@dataclass(frozen=True, kw_only=True)
class BaseDims:
    vocab_size: int
    d_model: int
    n_layers: int
    n_heads: int
    ffn_hidden: int
    rope_theta: float
    norm_eps: float

    @property
    def head_dim(self) -> int:
        return self.d_model // self.n_heads


# Weight names are the PyTorch state-dict names of models/tools/model.py (nn.Linear layout: (out, in)).
def layer_keys(i: int) -> dict[str, str]:
    p = f"blocks.{i}."
    return {"attn_norm": p + "attn_norm.weight", "qkv": p + "attn.qkv.weight", "out": p + "attn.out.weight",
            "ffn_norm": p + "ffn_norm.weight", "gate_up": p + "ffn.gate_up.weight", "down": p + "ffn.down.weight"}


def read_base_weights(path: Path) -> dict[str, np.ndarray]:
    """Weights of a contract base.onnx, under model.py's state-dict names. Norm weights and the LM head are
    found by name; the projections are the MatMul initialisers in graph order, 4 per layer
    (qkv, out, gate_up, down), stored (in, out) in the graph and returned (out, in) as nn.Linear keeps them."""
    m = onnx.load(str(path))
    inits = {t.name: t for t in m.graph.initializer}
    named = {k.removeprefix("model."): numpy_helper.to_array(t) for k, t in inits.items()
             if k.startswith("model.") or k in ("lm_head",) or k.startswith(("blocks.", "norm."))}
    names = {k.removeprefix("model."): k for k in inits}
    if "lm_head" not in named:
        raise ValueError(f"{path}: no lm_head initializer (not a contract base.onnx?)")
    lm = named["lm_head"]
    projections = [numpy_helper.to_array(inits[n.input[1]]) for n in m.graph.node
                   if n.op_type == "MatMul" and n.input[1] in inits and n.input[1] != names["lm_head"]]
    n_layers = len([k for k in named if k.endswith("attn_norm.weight")])
    if len(projections) != 4 * n_layers:
        raise ValueError(f"{path}: expected {4 * n_layers} projection matrices, found {len(projections)}")
    out = {"lm_head": lm, "norm.weight": named["norm.weight"]}
    for i in range(n_layers):
        keys = layer_keys(i)
        out[keys["attn_norm"]] = named[keys["attn_norm"]]
        out[keys["ffn_norm"]] = named[keys["ffn_norm"]]
        for j, kind in enumerate(("qkv", "out", "gate_up", "down")):
            out[keys[kind]] = projections[4 * i + j].T.copy()
    return out


class _Graph:
    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self._n = 0

    def const(self, name: str, value: np.ndarray) -> str:
        self.inits.append(numpy_helper.from_array(value, name))
        return name

    def op(self, op_type: str, inputs: list[str], *, out: str | None = None, n_out: int = 1,
           outs: list[str] | None = None, **attrs):
        self._n += 1
        if outs is None:
            outs = [out] if out is not None else [f"{op_type.lower()}_{self._n}_{k}" for k in range(n_out)]
        n_out = len(outs)
        self.nodes.append(helper.make_node(op_type, inputs, outs, name=f"{op_type}_{self._n}", **attrs))
        return outs[0] if n_out == 1 else outs


def _rms_norm(g: _Graph, x: str, weight: str, eps: str, two: str, *, out: str | None = None) -> str:
    # x / sqrt(mean(x^2) + eps) * w: the pattern onnxruntime's SimplifiedLayerNormFusion matches (it does not
    # match the Reciprocal form).
    sq = g.op("Pow", [x, two])
    mean = g.op("ReduceMean", [sq], axes=[-1], keepdims=1)
    return g.op("Mul", [g.op("Div", [x, g.op("Sqrt", [g.op("Add", [mean, eps])])]), weight], out=out)


def build_base(weights: dict[str, np.ndarray], dims: BaseDims, *, softmax_key_multiple: int = 1) -> onnx.ModelProto:
    """softmax_key_multiple > 1: the attention's keys padded to a multiple of it (below); quantize.py's int8
    base asks for it. The fp32 graph does without: onnxruntime-node does not need it, and it costs a
    T = 1-4 step there 2-6 % (models/tools/step_ab.mjs, 2026-12-02)."""
    D, H, Dh, L, F = dims.d_model, dims.n_heads, dims.head_dim, dims.n_layers, dims.ffn_hidden
    half = Dh // 2
    f32 = np.float32
    g = _Graph()
    lm = g.const("model.lm_head", weights["lm_head"].astype(f32))  # (D, V), tied: embedding reads its columns
    eps = g.const("norm_eps", np.array(dims.norm_eps, f32))
    two = g.const("two", np.array(2.0, f32))
    shape_qk = g.const("shape_qk", np.array([0, 0, 2 * H, Dh], np.int64))
    shape_v = g.const("shape_v", np.array([0, 0, H, Dh], np.int64))
    shape_d = g.const("shape_d", np.array([0, 0, D], np.int64))
    split_qkv = g.const("split_qkv", np.array([2 * D, D], np.int64))
    split_half = g.const("split_half", np.array([1, 1], np.int64))
    split_heads = g.const("split_heads", np.array([H, H], np.int64))
    split_ffn = g.const("split_ffn", np.array([F, F], np.int64))

    # Rotary angles for the q|k block (2H heads of Dh, rotate-half layout), once per step.
    inv_freq = 1.0 / (dims.rope_theta ** (np.arange(0, half, dtype=f32) / half))
    freq = g.const("rope_freq", np.tile(np.concatenate([inv_freq, inv_freq]), 2 * H).astype(f32))  # (2D,)
    pos = g.op("Unsqueeze", [g.op("Cast", ["position_ids"], to=TensorProto.FLOAT), g.const("axis2", np.array([2], np.int64))])
    angles = g.op("Mul", [pos, freq])  # (1, T, 2D)
    cos, sin = g.op("Cos", [angles]), g.op("Sin", [angles])

    scale = f32(1.0 / np.sqrt(Dh))
    # q's 1/sqrt(head_dim) goes into q's cos/sin (once per step, not once per layer); the weights stay
    # exactly the checkpoint's, so read_base_weights reads any base.onnx back the same way.
    qk_scale = g.const("qk_scale", np.concatenate([np.full(H, scale), np.ones(H)]).astype(f32).reshape(2 * H, 1, 1))
    shape_rot = g.const("shape_rot", np.array([0, 0, 2 * H, 2, half], np.int64))
    cos5 = g.op("Mul", [g.op("Reshape", [cos, shape_rot]), qk_scale])
    sin5 = g.op("Mul", [g.op("Reshape", [sin, shape_rot]), qk_scale])

    # With softmax_key_multiple > 1, attention over P + T keys padded with blocked zero keys to a multiple of
    # it: onnxruntime-web's wasm Softmax sums a row's vector part (4 lanes) and its scalar tail separately,
    # so without the padding an AR step (P + 1 keys) and the same token's row in a causal block (P + T keys,
    # the extra ones blocked) put the same columns in different lanes and differ in the last bits, which the
    # int8 variant's requantisation can turn into another token. Padded, the real columns sit in the same
    # lanes whatever T is, and a chain's rows equal their AR steps bit for bit on wasm too. The pad rides on
    # the K/V Concat that is there anyway; only the mask is padded once per step.
    mask, key_pad = "attention_mask", None
    if softmax_key_multiple > 1:
        key_len = g.op("Shape", ["attention_mask"], start=3)  # (1,): P + T
        multiple = g.const("softmax_key_multiple", np.array([softmax_key_multiple], np.int64))
        pad = g.op("Mod", [g.op("Sub", [multiple, g.op("Mod", [key_len, multiple])]), multiple])
        zero_keys = g.const("zero_keys", np.zeros((1, H, softmax_key_multiple - 1, Dh), f32))
        key_pad = g.op("Slice", [zero_keys, g.const("zero1", np.array([0], np.int64)), pad, g.const("axis2i", np.array([2], np.int64))])
        mask_pads = g.op("Concat", [g.const("mask_pads_head", np.zeros(7, np.int64)), pad], axis=0)  # end of the last axis
        mask = g.op("Pad", ["attention_mask", mask_pads, g.const("blocked_score", np.array(MASK_VALUE, f32))])

    cols = g.op("Gather", [lm, "input_ids"], axis=1)  # (D, 1, T)
    x = g.op("Transpose", [cols], perm=[1, 2, 0])  # (1, T, D)
    for i in range(L):
        k = layer_keys(i)
        wqkv = weights[k["qkv"]].T.astype(f32)  # (D, 3D): [q | k | v]
        h = _rms_norm(g, x, g.const("model." + k["attn_norm"], weights[k["attn_norm"]].astype(f32)), eps, two)
        qk, v = g.op("Split", [g.op("MatMul", [h, g.const(f"l{i}.wqkv", wqkv)]), split_qkv], axis=-1, n_out=2)
        qk5 = g.op("Reshape", [qk, "shape_rot"])  # (1, T, 2H, 2, Dh/2): the two halves of every q and k head
        x1, x2 = g.op("Split", [qk5, split_half], axis=3, n_out=2)
        rotated_half = g.op("Concat", [g.op("Neg", [x2]), x1], axis=3)
        qk = g.op("Add", [g.op("Mul", [qk5, cos5]), g.op("Mul", [rotated_half, sin5])])  # rotated q (scaled) | k
        qk = g.op("Transpose", [g.op("Reshape", [qk, shape_qk])], perm=[0, 2, 1, 3])  # (1, 2H, T, Dh)
        q, k_new = g.op("Split", [qk, split_heads], axis=1, outs=[f"l{i}.q", f"new.{i}.key"])
        v_new = g.op("Transpose", [g.op("Reshape", [v, shape_v])], perm=[0, 2, 1, 3], out=f"new.{i}.value")
        padding = [] if key_pad is None else [key_pad]
        k_all = g.op("Concat", [f"past.{i}.key", k_new, *padding], axis=2)
        v_all = g.op("Concat", [f"past.{i}.value", v_new, *padding], axis=2)
        scores = g.op("Add", [g.op("MatMul", [q, g.op("Transpose", [k_all], perm=[0, 1, 3, 2])]), mask])
        y = g.op("MatMul", [g.op("Softmax", [scores], axis=-1), v_all])  # (1, H, T, Dh)
        y = g.op("Reshape", [g.op("Transpose", [y], perm=[0, 2, 1, 3]), shape_d])
        x = g.op("Add", [x, g.op("MatMul", [y, g.const(f"l{i}.wo", weights[k["out"]].T.astype(f32))])])
        h = _rms_norm(g, x, g.const("model." + k["ffn_norm"], weights[k["ffn_norm"]].astype(f32)), eps, two)
        gate, up = g.op("Split", [g.op("MatMul", [h, g.const(f"l{i}.wgu", weights[k["gate_up"]].T.astype(f32))]), split_ffn],
                        axis=-1, n_out=2)
        act = g.op("Mul", [g.op("Mul", [gate, g.op("Sigmoid", [gate])]), up])
        x = g.op("Add", [x, g.op("MatMul", [act, g.const(f"l{i}.wd", weights[k["down"]].T.astype(f32))])])
    hidden = _rms_norm(g, x, g.const("model.norm.weight", weights["norm.weight"].astype(f32)), eps, two, out="hidden_states")
    g.op("MatMul", [hidden, lm], out="logits")

    fl = TensorProto.FLOAT
    inputs = [helper.make_tensor_value_info("input_ids", TensorProto.INT64, [1, "T"]),
              helper.make_tensor_value_info("position_ids", TensorProto.INT64, [1, "T"]),
              helper.make_tensor_value_info("attention_mask", fl, [1, 1, "T", "PT"])]
    outputs = [helper.make_tensor_value_info("logits", fl, [1, "T", dims.vocab_size]),
               helper.make_tensor_value_info("hidden_states", fl, [1, "T", D])]
    for i in range(L):
        for kind in ("key", "value"):
            inputs.append(helper.make_tensor_value_info(f"past.{i}.{kind}", fl, [1, H, "P", Dh]))
            outputs.append(helper.make_tensor_value_info(f"new.{i}.{kind}", fl, [1, H, "T", Dh]))
    graph = helper.make_graph(g.nodes, "base_step", inputs, outputs, initializer=g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="cerberus-edge base_graph")
    model.ir_version = 8  # onnxruntime-web and -node of this repo read IR 8 (opset 17)
    onnx.checker.check_model(model)
    return model


def write_base(weights: dict[str, np.ndarray], dims: BaseDims, path: Path) -> None:
    onnx.save(build_base(weights, dims), str(path))
