"""int8 variant of base.onnx (and of the heads): W8A8 with per-row activations. Every MatMul/Gemm with a
constant (K, N) weight becomes: the weight as int8 with one fp32 scale per output column (symmetric); each
input row quantised on the fly to uint8 with its own scale (max |x| / 127, zero point 128; QuantizeLinear
per axis); onnxruntime's MatMulInteger (u8 x s8, int32 accumulation); then the int32 products times the
column scale times the row scale, plus any bias. The graph is otherwise unchanged, so the contract (inputs,
outputs, any mask) holds.

Why this form: a row's quantisation is its own and the int32 sums are exact, so in a causal block (a chain)
each row gets the logits of its AR step bit for bit (with every run at 2+ rows on onnxruntime-node, whose
fp32 MatMuls take another path for 1 row: the manifest says `min_rows_per_run: 2`; on wasm at any row count,
since the int8 base is written with the softmax's keys padded: base_graph.py). In a branching tree the attention sums a node's columns in
another order and the last bits can differ, which requantising the next layer can turn into another token
(seen on wasm: 2 of 60 random-token prompts, every configuration, before the padding and the chains), so
the variant verifies chains only (`tree_shape: "chains"`): equal to its AR by construction. And it stays
cheap as T grows: measured on onnxruntime-node, 1 thread, P = 128 (`models/tools/step_ab.mjs --tokens
1,2,4,8,16`), T = 1 / 4 / 8 / 16 cost 0.54 / 0.70 / 0.88 / 1.19 of an fp32 T = 1 step, where MatMulNBits
8-bit (block 32, accuracy_level 4: the variant before this one) cost 0.50 / 0.77 / 1.19 / 1.95; on wasm a
T = 1 step costs about fp32's and a 4-row block 1.57 of it against fp32's 1.76-1.83 (npm run bench:step-costs), which is
what makes speculation pay there (the Worker serves this variant: wrangler.toml BASE_VARIANT).
The tied LM head keeps its fp32 copy for the embedding lookup (Gather) and gets a quantised copy for the
logits.

    python3 models/tools/quantize.py models/tinystories-6m/base.onnx /tmp/base-int8.onnx
    python3 models/tools/quantize.py MODEL_DIR --into-folder      # base-int8.onnx + heads + manifest entry

Written with the onnx package only (onnxruntime's Python quantiser is not installable here). Pipeline stage
`quantize` (stages.py, the last, where the config sets `int8`): `add_int8_variant(folder)` writes
base-int8.onnx and heads-*-int8.onnx, measures valid perplexity of both precisions with
models/tools/perplexity.mjs (onnxruntime-node) and adds the manifest's `base.variants.int8`.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO_ROOT, TOOLS_DIR, write_json  # noqa: E402

INT8_FILE = "base-int8.onnx"
# onnxruntime-node's fp32 MatMul (attention) computes 1 row on another code path than 2+, differing in the last
# bits; requantising the next layer's input can turn that into a different logit (src/runtime/padded-forward.ts;
# the wasm binding does not pad: its kernels take one path).
MIN_ROWS_PER_RUN = 2
# A branching node's ancestors sit at other key columns than in its AR step, so its attention sums in
# another order and the last bits can differ, which the next layer's requantisation can turn into another
# token; a chain's rows are bit-exact (the int8 base's softmax keys are padded): parallel steps verify
# chains only with this variant (src/decoding/tree-policy.ts, TreeShape).
TREE_SHAPE = "chains"
# The int8 base's attention keys padded to a multiple of this for its softmax (base_graph.py says why): chain
# rows were bit-exact on wasm from 4 up (scratch, 2026-12-02); 8 leaves room for a 2x-unrolled vector loop.
SOFTMAX_KEY_MULTIPLE = 8
# Shared constants of the rewritten graphs (outer-scope names are visible inside If branches).
TINY, INV127, ZP, FLAT = "rq.tiny", "rq.inv127", "rq.zp", "rq.flat"


def quantize_columns(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """W (K, N) fp32 -> int8 (K, N) and one fp32 scale per column, symmetric (a zero column gets scale 1)."""
    scale = np.abs(w).max(axis=0) / 127.0
    scale = np.where(scale == 0, 1.0, scale).astype(np.float32)
    return np.clip(np.rint(w / scale), -127, 127).astype(np.int8), scale


def weight_of(n: onnx.NodeProto, inits: dict) -> tuple[np.ndarray | None, str | None]:
    """The constant (K, N) weight of a MatMul, or of a Gemm y = x @ W(^T) + c with alpha = beta = 1 (the
    heads' Linear layers), and the Gemm's bias input name; (None, None) for anything else."""
    if n.op_type == "MatMul" and len(n.input) == 2 and n.input[1] in inits and len(inits[n.input[1]].dims) == 2:
        return numpy_helper.to_array(inits[n.input[1]]).astype(np.float32), None
    if n.op_type != "Gemm" or n.input[1] not in inits:
        return None, None
    attrs = {a.name: helper.get_attribute_value(a) for a in n.attribute}
    if attrs.get("alpha", 1.0) != 1.0 or attrs.get("beta", 1.0) != 1.0 or attrs.get("transA", 0) != 0:
        return None, None
    w = numpy_helper.to_array(inits[n.input[1]]).astype(np.float32)
    bias = n.input[2] if len(n.input) > 2 and n.input[2] else None
    if bias is not None and (bias not in inits or len(inits[bias].dims) != 1):
        return None, None
    return (w.T if attrs.get("transB", 0) else w), bias


def _branches(n: onnx.NodeProto) -> list[onnx.AttributeProto]:
    """The node's graph-valued attributes (an If's branches)."""
    return [a for a in n.attribute if a.type == onnx.AttributeProto.GRAPH]


class _RowQuantizer:
    """Rewrites one graph (the main graph or an If branch), quantising each distinct input once."""

    def __init__(self, graph: onnx.GraphProto, visible: dict, scope: str):
        self.graph, self.scope = graph, scope
        self.inits = {**visible, **{t.name: t for t in graph.initializer}}
        self.nodes: list[onnx.NodeProto] = []
        self.rows: dict[str, tuple[str, str]] = {}  # input -> (uint8 rows, row scales [..., T, 1])

    def quantised_rows(self, x: str) -> tuple[str, str]:
        if x in self.rows:
            return self.rows[x]
        p = f"{x}.rq" if self.scope == "main" else f"{x}.rq.{self.scope}"  # names stay unique across branches
        self.nodes += [helper.make_node("Abs", [x], [f"{p}.abs"]),
                       helper.make_node("ReduceMax", [f"{p}.abs"], [f"{p}.max"], axes=[-1], keepdims=1),
                       helper.make_node("Max", [f"{p}.max", TINY], [f"{p}.max1"]),  # an all-zero row: scale > 0
                       helper.make_node("Mul", [f"{p}.max1", INV127], [f"{p}.scale"]),
                       helper.make_node("Reshape", [f"{p}.scale", FLAT], [f"{p}.scale1"])]
        # QuantizeLinear per axis wants one zero point per row (ConstantOfShape: the row count is dynamic)
        self.nodes += [helper.make_node("Shape", [f"{p}.scale1"], [f"{p}.rows"]),
                       helper.make_node("ConstantOfShape", [f"{p}.rows"], [f"{p}.zp"], value=numpy_helper.from_array(np.array([128], np.uint8)))]
        self.nodes.append(helper.make_node("QuantizeLinear", [x, f"{p}.scale1", f"{p}.zp"], [f"{p}.u8"], axis=-2))
        self.rows[x] = (f"{p}.u8", f"{p}.scale")
        return self.rows[x]

    def rewrite(self, used_elsewhere: set[str], drop: set[str]) -> None:
        for n in self.graph.node:
            for a in _branches(n):
                _RowQuantizer(a.g, self.inits, f"{self.scope}.{n.name or n.output[0]}.{a.name}").rewrite(used_elsewhere, drop)
            w, bias = weight_of(n, self.inits)
            if w is None:
                self.nodes.append(n)
                continue
            b = self.inits[n.input[1]]
            q, scale = quantize_columns(w)
            base = f"{b.name}.w8"
            if base not in self.inits:
                new = [numpy_helper.from_array(q, base), numpy_helper.from_array(scale, f"{base}.scale")]
                self.graph.initializer.extend(new)
                self.inits.update({t.name: t for t in new})
            if b.name not in used_elsewhere:
                drop.add(b.name)
            rows, row_scale = self.quantised_rows(n.input[0])
            o = n.output[0]
            scaled = o if bias is None else f"{o}.nobias"
            self.nodes += [helper.make_node("MatMulInteger", [rows, base, ZP], [f"{o}.i32"]),
                           helper.make_node("Cast", [f"{o}.i32"], [f"{o}.f32"], to=TensorProto.FLOAT),
                           helper.make_node("Mul", [f"{o}.f32", f"{base}.scale"], [f"{o}.cols"]),
                           helper.make_node("Mul", [f"{o}.cols", row_scale], [scaled])]
            if bias is not None:
                self.nodes.append(helper.make_node("Add", [scaled, bias], [o]))
        del self.graph.node[:]
        self.graph.node.extend(self.nodes)


def _all_inputs(graph: onnx.GraphProto, skip: tuple[str, ...]) -> set[str]:
    """Names read by nodes other than `skip` ops, in the graph and its subgraphs."""
    names = {i for n in graph.node if n.op_type not in skip for i in n.input}
    for n in graph.node:
        for a in _branches(n):
            names |= _all_inputs(a.g, skip)
    return names


def _drop_initializers(graph: onnx.GraphProto, drop: set[str]) -> None:
    keep = [t for t in graph.initializer if t.name not in drop]
    del graph.initializer[:]
    graph.initializer.extend(keep)
    for n in graph.node:
        for a in _branches(n):
            _drop_initializers(a.g, drop)


def quantize_model(model: onnx.ModelProto) -> onnx.ModelProto:
    graph = model.graph
    graph.initializer.extend([numpy_helper.from_array(np.array(1e-30, np.float32), TINY),
                              numpy_helper.from_array(np.array(1 / 127, np.float32), INV127),
                              numpy_helper.from_array(np.array(128, np.uint8), ZP),
                              numpy_helper.from_array(np.array([-1], np.int64), FLAT)])
    drop: set[str] = set()
    _RowQuantizer(graph, {}, "main").rewrite(_all_inputs(graph, ("MatMul", "Gemm")), drop)
    _drop_initializers(graph, drop)
    return model


def quantize_file(src: Path, dst: Path) -> None:
    model = quantize_model(onnx.load(str(src)))
    onnx.checker.check_model(model)
    onnx.save(model, str(dst))


def quantize_base(src: Path, dst: Path) -> None:
    """The int8 base from a contract base.onnx (its folder's manifest gives the shapes): its weights written
    again by base_graph.py with the softmax's keys padded (SOFTMAX_KEY_MULTIPLE), then quantised."""
    from base_graph import build_base, read_base_weights
    from common import read_json
    from rewrite_base import dims_of
    dims = dims_of(read_json(src.parent / "manifest.json"))
    model = quantize_model(build_base(read_base_weights(src), dims, softmax_key_multiple=SOFTMAX_KEY_MULTIPLE))
    onnx.checker.check_model(model)
    onnx.save(model, str(dst))


def perplexity(folder: Path, base_file: str, *, tokens: int) -> float:
    res = subprocess.run(["node", str(TOOLS_DIR / "perplexity.mjs"), str(folder), base_file, str(tokens)], cwd=REPO_ROOT,
                         capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError(f"perplexity.mjs failed: {res.stderr[-2000:]}")
    return float(json.loads(res.stdout.strip().splitlines()[-1])["ppl"])


def quantize_heads(folder: Path) -> dict[str, str]:
    """heads-<kind>-int8.onnx beside every heads-<kind>.onnx: the heads would otherwise cost as much as half
    an int8 base step (measured 0.32 -> 0.16 ms for the Cerberus heads)."""
    files = {}
    for kind in ("cerberus", "medusa"):
        src = folder / f"heads-{kind}.onnx"
        if src.exists():
            quantize_file(src, folder / f"heads-{kind}-int8.onnx")
            files[kind] = f"heads-{kind}-int8.onnx"
    return files


def add_int8_variant(folder: Path, *, ppl_tokens: int = 4096) -> dict:
    """For an already exported model folder: writes base-int8.onnx, its manifest entry and file hashes."""
    from common import read_json
    from rewrite_base import refresh_file_entries
    quantize_base(folder / "base.onnx", folder / INT8_FILE)
    manifest = read_json(folder / "manifest.json")
    manifest["base"]["variants"] = {"int8": {"file": INT8_FILE, "weights": "int8",
                                             "heads": quantize_heads(folder),
                                             "min_rows_per_run": MIN_ROWS_PER_RUN,
                                             "tree_shape": TREE_SHAPE,
                                             "valid_ppl": perplexity(folder, INT8_FILE, tokens=ppl_tokens),
                                             "valid_ppl_fp32": perplexity(folder, "base.onnx", tokens=ppl_tokens)}}
    refresh_file_entries(folder, manifest)
    return manifest["base"]["variants"]["int8"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src", type=Path, help="a base.onnx, or with --into-folder a model folder")
    ap.add_argument("dst", type=Path, nargs="?", help="the int8 file to write (not with --into-folder)")
    ap.add_argument("--into-folder", action="store_true", help="add base-int8.onnx + manifest entry to the folder SRC")
    args = ap.parse_args()
    if args.into_folder:
        print(f"quantize: {args.src}: {add_int8_variant(args.src)}")
        return
    quantize_base(args.src, args.dst)
    print(f"quantize: wrote {args.dst} ({args.dst.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
