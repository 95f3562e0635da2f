"""Let a heads call compute only the heads a tree uses: rewrite heads-<kind>.onnx so that an optional input
`num_heads` (int64 scalar, default K) selects how many heads run, and head_logits is [N, num_heads, V].

Why: a head costs about the same whatever its depth (its block and its vocabulary projection), and the trees
the engine verifies are often shallower than K: two nodes deep on wasm in most steps. ONNX Runtime executes
every node of a graph whatever outputs are fetched, so a shallower call needs a graph that branches.

The graph: head 1's nodes as they were; for each later head k, an `If (num_heads > k)` whose then-branch is
that head's own nodes (its block; Cerberus: also the projection of [h; z_{k-1}]) giving its state [N, 1, D]
and what the next head reads, and whose else-branch gives an empty [N, 0, D] and passes the previous state
on. The states are stacked and projected by the original tail (one MatMul, the shortlist scatter if any), so
at num_heads = K the numbers are the original graph's exactly. K - 1 flat Ifs cost about what the original
graph cost at K (measured: 0.40 vs 0.41 ms wasm, 0.27 vs 0.26 ms native); nesting one If per depth instead,
each branch a whole prefix graph, cost 0.06-0.10 ms more at every depth above 1. The weights stay
initializers of the main graph, read from the outer scope, so the file grows only by the nodes. `num_heads` is a required input (onnxruntime hides inputs that have a
default initializer from its JS APIs, so a default cannot be fed); values below 1 run one head, above K run K.

    /usr/bin/python3 models/tools/depth_heads.py MODEL_DIR [--kinds cerberus,medusa]

Updates MODEL_DIR in place: the heads graphs and manifest.json (files' sizes/sha256). Refuses graphs that
already have the input. parity.json needs no change: at num_heads = K the graph computes what it computed.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from common import log, read_json, sha256_file, write_json

INPUT = "num_heads"
OUTPUT = "head_logits"


def stack_node(graph: onnx.GraphProto) -> onnx.NodeProto:
    """The Concat that stacks the K heads' states [N, 1, D] into [N, K, D] before the vocabulary projection
    (what export_onnx.py writes: one Unsqueeze per head into one Concat on axis 1)."""
    producers = {o: n for n in graph.node for o in n.output}
    found = [n for n in graph.node if n.op_type == "Concat" and len(n.input) > 1
             and all(producers.get(i) is not None and producers[i].op_type == "Unsqueeze" for i in n.input)]
    if len(found) != 1:
        raise SystemExit(f"depth: expected one Concat of per-head Unsqueezes, found {len(found)}")
    return found[0]


def head_groups(graph: onnx.GraphProto, units: list[str]) -> list[list[onnx.NodeProto]]:
    """Per head k, the nodes its state needs that no earlier head's state needs (in graph order)."""
    groups, taken = [], set()
    for unit in units:
        need, group = {unit}, []
        for node in reversed(list(graph.node)):
            if any(o in need for o in node.output):
                need.update(i for i in node.input if i)
                if id(node) not in taken:
                    group.append(node)
        taken.update(id(n) for n in group)
        groups.append(group[::-1])
    return groups


def float_info(name: str) -> onnx.ValueInfoProto:
    return helper.make_value_info(name, helper.make_tensor_type_proto(TensorProto.FLOAT, None))


def const(name: str, value: np.ndarray) -> onnx.NodeProto:
    return helper.make_node("Constant", [], [name], name=name, value=numpy_helper.from_array(value, name))


def depth_graph(model: onnx.ModelProto, name: str = "heads graph") -> onnx.ModelProto:
    g = model.graph
    if any(i.name == INPUT for i in g.input):
        raise SystemExit(f"depth: {name} already takes {INPUT}")
    stack = stack_node(g)
    units = list(stack.input)
    heads = len(units)
    groups = head_groups(g, units)
    grouped = {id(n) for grp in groups for n in grp}
    tail = [n for n in g.node if id(n) not in grouped and n is not stack]  # projection, shortlist scatter
    made = [{o for n in grp for o in n.output} for grp in groups]
    # what head k passes on to head k + 1 (Cerberus: its state z_k; Medusa heads pass nothing)
    carried = [next((i for n in groups[k + 1] for i in n.input if i in made[k]), None) for k in range(heads - 1)] + [None]
    nodes = list(groups[0])
    for k in range(1, heads):
        scope = f"depth{k}/"
        rename = lambda x, k=k, scope=scope: scope + x if x in made[k] else x  # noqa: E731
        body = []
        for node in groups[k]:
            copy = onnx.NodeProto()
            copy.CopyFrom(node)
            copy.name = scope + (node.name or node.op_type)
            copy.input[:] = [rename(i) for i in node.input]
            copy.output[:] = [rename(o) for o in node.output]
            body.append(copy)
        outs = [units[k]] + ([carried[k]] if carried[k] else [])
        then_branch = helper.make_graph(body, f"head{k}", [], [float_info(rename(o)) for o in outs])
        # skipped: no state for the stack ([N, 0, D], sliced from the previous head's) and the carried state
        # passed through, so the heads after this one skip too
        skip = f"skip{k}/"
        skipped = [const(skip + "zero", np.array([0], dtype=np.int64)), const(skip + "axis", np.array([1], dtype=np.int64)),
                   helper.make_node("Slice", [units[k - 1], skip + "zero", skip + "zero", skip + "axis"], [skip + "unit"],
                                    name=skip + "Slice")]
        skip_outs = [skip + "unit"]
        if carried[k]:
            skipped.append(helper.make_node("Identity", [carried[k - 1]], [skip + "carried"], name=skip + "Identity"))
            skip_outs.append(skip + "carried")
        else_branch = helper.make_graph(skipped, f"skip{k}", [], [float_info(o) for o in skip_outs])
        nodes += [const(f"depth/k{k}", np.array(k, dtype=np.int64)),
                  helper.make_node("Greater", [INPUT, f"depth/k{k}"], [f"depth/run{k}"], name=f"depth/run{k}"),
                  helper.make_node("If", [f"depth/run{k}"], outs, name=f"depth/if{k}",
                                   then_branch=then_branch, else_branch=else_branch)]
    nodes += [stack, *tail]
    vocab = g.output[0].type.tensor_type.shape.dim[2].dim_value
    del g.node[:]
    g.node.extend(nodes)
    g.input.append(helper.make_tensor_value_info(INPUT, TensorProto.INT64, []))
    g.output[0].CopyFrom(helper.make_tensor_value_info(OUTPUT, TensorProto.FLOAT, ["N", "num_heads", vocab]))
    onnx.checker.check_model(model)
    return model


def depth_heads(model_dir: Path, kinds: tuple[str, ...] | None = None) -> None:
    """Rewrite the model folder's heads graphs in place (a pipeline stage after `shortlist`)."""
    model_dir = Path(model_dir)
    manifest = read_json(model_dir / "manifest.json")
    for kind in kinds or tuple(manifest["heads"].keys()):
        entry = manifest["heads"][kind]
        # The fp32 graph only: the int8 variant's heads are quantised from it afterwards (quantize stage).
        file = entry["file"]
        path = model_dir / file
        onnx.save(depth_graph(onnx.load(path), file), path)
        log(f"depth: {file}: {INPUT} selects 1..{entry['num_heads']} heads")
    for name in manifest["files"]:
        manifest["files"][name] = {"bytes": (model_dir / name).stat().st_size, "sha256": sha256_file(model_dir / name)}
    write_json(model_dir / "manifest.json", manifest)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model_dir", type=Path)
    ap.add_argument("--kinds", help="comma-separated head kinds (default: every kind in the manifest)")
    args = ap.parse_args()
    depth_heads(args.model_dir, tuple(args.kinds.split(",")) if args.kinds else None)


if __name__ == "__main__":
    main()
