"""int8 weight variant of base.onnx: every MatMul with a constant (K, N) weight becomes onnxruntime's
MatMulNBits (com.microsoft) with 8-bit blocks, symmetric, one fp32 scale per block of `block_size` rows.
accuracy_level 4: onnxruntime quantises the activations to int8 per block too and runs int8 dot products
(measured 2.1x faster than fp32 per step on native-cpu; level 0, fp32 compute on dequantised weights, is
15x slower). onnxruntime-web runs it too but slower than fp32 (2.5x), so the variant is for native-cpu.
The tied LM head keeps its fp32 copy for the embedding lookup (Gather) and gets a quantised copy for the
logits. The graph is otherwise unchanged, so the contract (inputs, outputs, any mask) holds.

    python3 models/tools/quantize.py models/tinystories-6m/base.onnx /tmp/base-int8.onnx

Written with the onnx package only (onnxruntime's Python quantiser is not installable here). Pipeline stage
`quantize` (stages.py, after `manifest`, where the config sets `int8`): `add_int8_variant(folder)` writes
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
from onnx import helper, numpy_helper

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO_ROOT, TOOLS_DIR, write_json  # noqa: E402

INT8_FILE = "base-int8.onnx"
# onnxruntime's int8 MatMulNBits kernel (accuracy_level 4) computes 1 row on another code path than 2+,
# and activation requantisation amplifies the last-bit differences to ~0.01-0.07 in the logits (measured,
# onnxruntime 1.30): the engine pads 1-token forwards of this variant to 2 rows
# (src/runtime/padded-forward.ts), so AR steps and tree blocks compute every row alike.
MIN_ROWS_PER_RUN = 2


def quantize_blocks(w: np.ndarray, *, block_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """W (K, N) fp32 -> MatMulNBits' B uint8 (N, blocks, block_size), scales fp32 (N * blocks,),
    zero points uint8 (N, blocks) = 128. K is zero-padded to a whole number of blocks."""
    K, N = w.shape
    blocks = -(-K // block_size)
    padded = np.zeros((blocks * block_size, N), np.float32)
    padded[:K] = w
    wb = padded.T.reshape(N, blocks, block_size)
    scale = np.abs(wb).max(axis=2) / 127.0
    scale = np.where(scale == 0, 1.0, scale).astype(np.float32)
    q = np.clip(np.rint(wb / scale[..., None]), -127, 127).astype(np.int16) + 128
    return q.astype(np.uint8), scale.reshape(-1), np.full((N, blocks), 128, np.uint8)


def dequantize_blocks(q: np.ndarray, scale: np.ndarray, K: int) -> np.ndarray:
    N, blocks, bs = q.shape
    w = (q.astype(np.float32) - 128.0) * scale.reshape(N, blocks, 1)
    return w.reshape(N, blocks * bs)[:, :K].T


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


def quantize_model(model: onnx.ModelProto, *, block_size: int = 32, accuracy_level: int = 4) -> onnx.ModelProto:
    graph = model.graph
    inits = {t.name: t for t in graph.initializer}
    used_elsewhere = {i for n in graph.node if n.op_type not in ("MatMul", "Gemm") for i in n.input}
    nodes, drop = [], set()
    for n in graph.node:
        w, bias = weight_of(n, inits)
        if w is None:
            nodes.append(n)
            continue
        b = inits[n.input[1]]
        K, N = w.shape
        q, scale, zp = quantize_blocks(w, block_size=block_size)
        base = f"{b.name}.q8"
        if base not in {t.name for t in graph.initializer}:
            graph.initializer.extend([numpy_helper.from_array(q, base), numpy_helper.from_array(scale, f"{base}.scale"),
                                      numpy_helper.from_array(zp, f"{base}.zp")])
        if b.name not in used_elsewhere:
            drop.add(b.name)
        extra = [] if bias is None else ["", bias]  # MatMulNBits' inputs 4 (g_idx, unused) and 5 (bias)
        nodes.append(helper.make_node("MatMulNBits", [n.input[0], base, f"{base}.scale", f"{base}.zp", *extra], list(n.output),
                                      name=f"{n.name or n.output[0]}_q8", domain="com.microsoft",
                                      K=K, N=N, bits=8, block_size=block_size, accuracy_level=accuracy_level))
    del graph.node[:]
    graph.node.extend(nodes)
    keep = [t for t in graph.initializer if t.name not in drop]
    del graph.initializer[:]
    graph.initializer.extend(keep)
    if not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    return model


def quantize_file(src: Path, dst: Path, *, block_size: int = 32, accuracy_level: int = 4) -> None:
    onnx.save(quantize_model(onnx.load(str(src)), block_size=block_size, accuracy_level=accuracy_level), str(dst))


def perplexity(folder: Path, base_file: str, *, tokens: int) -> float:
    res = subprocess.run(["node", str(TOOLS_DIR / "perplexity.mjs"), str(folder), base_file, str(tokens)], cwd=REPO_ROOT,
                         capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError(f"perplexity.mjs failed: {res.stderr[-2000:]}")
    return float(json.loads(res.stdout.strip().splitlines()[-1])["ppl"])


def quantize_heads(folder: Path, *, block_size: int) -> dict[str, str]:
    """heads-<kind>-int8.onnx beside every heads-<kind>.onnx: the heads would otherwise cost as much as half
    an int8 base step (measured 0.32 -> 0.16 ms for the Cerberus heads)."""
    files = {}
    for kind in ("cerberus", "medusa"):
        src = folder / f"heads-{kind}.onnx"
        if src.exists():
            quantize_file(src, folder / f"heads-{kind}-int8.onnx", block_size=block_size)
            files[kind] = f"heads-{kind}-int8.onnx"
    return files


def add_int8_variant(folder: Path, *, block_size: int = 32, ppl_tokens: int = 4096) -> dict:
    """For an already exported model folder: writes base-int8.onnx, its manifest entry and file hashes."""
    from common import read_json
    from rewrite_base import refresh_file_entries
    quantize_file(folder / "base.onnx", folder / INT8_FILE, block_size=block_size)
    manifest = read_json(folder / "manifest.json")
    manifest["base"]["variants"] = {"int8": {"file": INT8_FILE, "weights": "int8",
                                             "heads": quantize_heads(folder, block_size=block_size),
                                             "min_rows_per_run": MIN_ROWS_PER_RUN,
                                             "valid_ppl": perplexity(folder, INT8_FILE, tokens=ppl_tokens),
                                             "valid_ppl_fp32": perplexity(folder, "base.onnx", tokens=ppl_tokens)}}
    refresh_file_entries(folder, manifest)
    return manifest["base"]["variants"]["int8"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src", type=Path, help="a base.onnx, or with --into-folder a model folder")
    ap.add_argument("dst", type=Path, nargs="?", help="the int8 file to write (not with --into-folder)")
    ap.add_argument("--into-folder", action="store_true", help="add base-int8.onnx + manifest entry to the folder SRC")
    ap.add_argument("--block-size", type=int, default=32)
    ap.add_argument("--accuracy-level", type=int, default=4, help="4: int8 activations too (fast); 0: fp32 compute (slow)")
    args = ap.parse_args()
    if args.into_folder:
        print(f"quantize: {args.src}: {add_int8_variant(args.src, block_size=args.block_size)}")
        return
    quantize_file(args.src, args.dst, block_size=args.block_size, accuracy_level=args.accuracy_level)
    print(f"quantize: wrote {args.dst} ({args.dst.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
