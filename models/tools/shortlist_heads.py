"""Shortlist the decoding heads' vocabulary projection: rewrite heads-<kind>.onnx so each head multiplies onto
the S most frequent token ids only: `head_logits` becomes [N, K, S], column j standing for token id
`heads.<kind>.shortlist.ids[j]` of the manifest (ascending; docs/model-contract.md).

Why: the heads' LM-head projection (K x D x V MACs) is most of a heads call and, on a compute-bound backend
(wasm), a large share of a parallel step. Proposals need not be exact (verification keeps the output exact):
a token outside the shortlist is simply never proposed.

The graph change, one constant: MatMul(z [N,K,D], lm_head [D,V])  ->  MatMul(z, W_s [D,S]), W_s = lm_head's
shortlist columns. An earlier form scattered the S logits back into a V-wide output (a Gather, every other id
at -10000) so the engine needed no change; measured on wasm, that Gather and the engine's top-k over V instead
of S were 30 % of a two-head call (0.246 vs 0.172 ms; native 0.178 vs 0.128), so the ids moved to the manifest.

The ranking comes from the model's own data: token frequencies of its training stream (work/train.npy, else
the training text encoded with the model's tokenizer) plus, where a pipeline work dir has them, the base
model's greedy continuations (the tokens greedy verification accepts), each weighted as a distribution.

    /usr/bin/python3 models/tools/shortlist_heads.py MODEL_DIR [--size 1024 | --coverage 0.99]
        [--work models/runs/<name>] [--text FILE ...] [--kinds cerberus,medusa] [--out OUT_DIR]

Updates MODEL_DIR (or OUT_DIR, a copy) in place: the heads graphs, parity.json's expected heads outputs (their
shortlist columns) and manifest.json (files' sizes/sha256, heads.<kind>.shortlist = {size, ids, coverage}).
Refuses heads that are already shortlisted.
"""
from __future__ import annotations

import argparse
import base64
import shutil
from pathlib import Path

import numpy as np
import onnx
from onnx import helper, numpy_helper

from common import EOS_ID, log, read_json, sha256_file, write_json

NODE_PREFIX = "shortlist/"
TRAIN_TEXTS = ("train.txt", "train_extra.txt")
GREEDY_PROMPT_LEN, GREEDY_NEW_TOKENS = 16, 128
GREEDY_CACHE = "shortlist-greedy-{}.npy"  # in the work dir: the greedy tokens generated for the ranking


def train_stream(model_dir: Path, work: Path | None, texts: list[Path] | None = None) -> np.ndarray:
    """Token counts of the model's training stream: the given texts, else work/train.npy when it was encoded
    with this tokenizer, else the training text encoded now (slow: minutes for a few MB in pure Python)."""
    if texts is None and work is not None and (work / "train.npy").exists() and (work / "tokenizer.json").exists() \
            and sha256_file(work / "tokenizer.json") == sha256_file(model_dir / "tokenizer.json"):
        stream = np.load(work / "train.npy")
        log(f"shortlist: token counts from {work / 'train.npy'} ({len(stream)} tokens)")
    else:
        from bpe import load_encoder
        from common import DATA_DIR
        from corpus import encode_documents, read_documents
        enc = load_encoder(read_json(model_dir / "tokenizer.json"))
        paths = texts or [DATA_DIR / "tinystories" / n for n in TRAIN_TEXTS if (DATA_DIR / "tinystories" / n).exists()]
        if not paths:
            raise SystemExit(f"shortlist: no work/train.npy and no training text under {DATA_DIR / 'tinystories'}")
        stream = np.concatenate([encode_documents(enc, read_documents(p)) for p in paths])
        log(f"shortlist: token counts from {', '.join(map(str, paths))} ({len(stream)} tokens)")
    return stream


def counts_of(ids: np.ndarray, vocab: int) -> np.ndarray:
    return np.bincount(ids.astype(np.int64), minlength=vocab)[:vocab].astype(np.float64)


def greedy_token_counts(model_dir: Path, work: Path | None, stream: np.ndarray, vocab: int, prompts: int) -> np.ndarray | None:
    """Counts of the base model's greedy tokens (what greedy verification accepts): the head targets of the
    pipeline's greedy-continuation rows when the work dir has them, else `prompts` greedy continuations of
    training-document openings generated now from base.onnx's weights (0: none)."""
    from rows import TRAIN_CONTINUATIONS, load_rows
    if work is not None and (work / TRAIN_CONTINUATIONS).exists():
        targets = load_rows(work / TRAIN_CONTINUATIONS)["targets"]
        targets = targets[targets >= 0]
        log(f"shortlist: greedy-continuation targets from {work / TRAIN_CONTINUATIONS} ({len(targets)})")
        return counts_of(targets, vocab)
    # keyed by the base model, so a retrained base never reuses another model's greedy tokens
    cache = work / GREEDY_CACHE.format(sha256_file(model_dir / "base.onnx")[:12]) if work is not None else None
    if cache is not None and cache.exists():
        tokens = np.load(cache)
        log(f"shortlist: {len(tokens)} greedy tokens from {cache}")
        return counts_of(tokens, vocab)
    if prompts <= 0:
        return None
    import torch
    from distill import greedy_set
    from model import ModelConfig, Transformer
    from onnx_weights import base_state_from_onnx
    arch = read_json(model_dir / "manifest.json")["architecture"]
    cfg = ModelConfig(**{k: arch[k] for k in ("vocab_size", "d_model", "n_layers", "n_heads", "ffn_hidden",
                                               "max_positions", "rope_theta", "norm_eps") if k in arch})
    model = Transformer(cfg)
    model.load_state_dict(base_state_from_onnx(model_dir / "base.onnx", cfg))
    model.eval()
    with torch.no_grad():
        gs = greedy_set(model, stream, prompts=prompts, prompt_len=GREEDY_PROMPT_LEN, new_tokens=GREEDY_NEW_TOKENS,
                        seed=7, label="shortlist greedy")
    first = gs["first"] + 1
    tokens = np.concatenate([row[first:end] for row, end in zip(gs["tokens"], gs["lengths"])])
    log(f"shortlist: {len(tokens)} greedy tokens from {len(gs['tokens'])} continuations of base.onnx")
    if cache is not None:
        np.save(cache, tokens)  # a rerun (another size) reuses them
    return counts_of(tokens, vocab)


def rank_vocabulary(train: np.ndarray, greedy: np.ndarray | None) -> np.ndarray:
    """Token ids, most useful first: the mean of the (normalised) train and greedy distributions; EOS first
    (generation must always be able to end inside a proposal)."""
    score = train / max(train.sum(), 1.0)
    if greedy is not None:
        score = 0.5 * score + 0.5 * greedy / max(greedy.sum(), 1.0)
    score[EOS_ID] = np.inf
    return np.argsort(-score, kind="stable")


def coverage(counts: np.ndarray | None, ids: np.ndarray) -> float | None:
    return None if counts is None or counts.sum() == 0 else round(float(counts[ids].sum() / counts.sum()), 5)


def choose_size(ranked: np.ndarray, counts: np.ndarray, size: int | None, cover: float | None) -> int:
    if size is not None:
        return int(min(size, len(ranked)))
    covered = np.cumsum(counts[ranked]) / counts.sum()
    return int(np.searchsorted(covered, cover) + 1)


def lm_head_node(model: onnx.ModelProto, name: str) -> onnx.NodeProto:
    """The node writing head_logits, checked to be MatMul(z, lm_head initializer) (what export_onnx.py writes)."""
    g = model.graph
    last = [n for n in g.node if "head_logits" in n.output]
    if len(last) != 1:
        raise SystemExit(f"shortlist: {name} has no single node writing head_logits")
    node = last[0]
    if node.name.startswith(NODE_PREFIX):
        raise SystemExit(f"shortlist: {name} is already shortlisted; start from the exported heads graph")
    if node.op_type != "MatMul" or node.input[1] not in {t.name for t in g.initializer}:
        raise SystemExit(f"shortlist: {name}: expected head_logits = MatMul(z, lm_head initializer), found {node.op_type}")
    return node


def shortlist_graph(model: onnx.ModelProto, ids: np.ndarray, name: str = "heads graph") -> onnx.ModelProto:
    """The heads graph with its final LM-head MatMul replaced as the module docstring describes."""
    g = model.graph
    node = lm_head_node(model, name)
    inits = {t.name: t for t in g.initializer}
    lm_head = numpy_helper.to_array(inits[node.input[1]])
    weight = np.ascontiguousarray(lm_head[:, ids], dtype=np.float32)

    used_elsewhere = any(node.input[1] in n.input for n in g.node if n is not node)
    keep = [n for n in g.node if n is not node]
    new_inits = [t for t in g.initializer if used_elsewhere or t.name != node.input[1]]
    new_inits.append(numpy_helper.from_array(weight, NODE_PREFIX + "lm_head"))
    keep.append(helper.make_node("MatMul", [node.input[0], NODE_PREFIX + "lm_head"], ["head_logits"],
                                 name=NODE_PREFIX + "MatMul"))
    del g.node[:]
    g.node.extend(keep)
    del g.initializer[:]
    g.initializer.extend(new_inits)
    out = g.output[0].type.tensor_type.shape.dim[2]
    out.ClearField("dim_param")
    out.dim_value = len(ids)
    onnx.checker.check_model(model)
    return model


def shortlist_parity(parity: dict, kind: str, ids: np.ndarray, vocab: int) -> None:
    """parity.json's expected heads output, as the shortlisted graph computes it from the same hidden state:
    the shortlist's columns of every head's row."""
    expected = np.frombuffer(base64.b64decode(parity["heads"][kind]), dtype="<f4").reshape(-1, vocab)
    parity["heads"][kind] = base64.b64encode(np.ascontiguousarray(expected[:, ids]).astype("<f4").tobytes()).decode("ascii")


def shortlist_heads(model_dir: Path, work: Path | None = None, size: int | None = 1024, *, cover: float | None = None,
                    kinds: tuple[str, ...] | None = None, texts: list[Path] | None = None,
                    greedy_prompts: int = 256) -> dict:
    """Shortlist the heads of the model folder in place (a pipeline stage after `manifest`); returns what it
    wrote into manifest.heads.<kind>.shortlist per kind."""
    model_dir = Path(model_dir)
    manifest = read_json(model_dir / "manifest.json")
    vocab = manifest["architecture"]["vocab_size"]
    kinds = kinds or tuple(manifest["heads"].keys())
    graphs = {kind: onnx.load(model_dir / manifest["heads"][kind]["file"]) for kind in kinds}
    for kind, graph in graphs.items():  # before the (slow) ranking: fail fast on graphs it cannot rewrite
        lm_head_node(graph, manifest["heads"][kind]["file"])
    stream = train_stream(model_dir, work, texts)
    train = counts_of(stream, vocab)
    greedy = greedy_token_counts(model_dir, work, stream, vocab, greedy_prompts)
    ranked = rank_vocabulary(train, greedy)
    s = choose_size(ranked, greedy if greedy is not None else train, size, cover)
    if s >= vocab:
        log(f"shortlist: size {s} >= vocab_size {vocab}: nothing to cut, heads left as they are")
        return {"size": vocab}
    ids = np.sort(ranked[:s])
    info = {"size": s, "train_coverage": coverage(train, ids)}
    if greedy is not None:
        info["greedy_coverage"] = coverage(greedy, ids)
    parity_path = model_dir / manifest["parity"]["file"] if "parity" in manifest else None
    parity = read_json(parity_path) if parity_path is not None and parity_path.exists() else None
    for kind in kinds:
        entry = manifest["heads"][kind]
        path = model_dir / entry["file"]
        onnx.save(shortlist_graph(graphs[kind], ids, entry["file"]), path)
        if parity is not None and kind in parity["heads"]:
            shortlist_parity(parity, kind, ids, vocab)
        entry["shortlist"] = {**info, "ids": ids.tolist()}
        log(f"shortlist: {entry['file']}: {s} of {vocab} ids, {info}")
    if parity is not None:
        write_json(parity_path, parity, indent=None)
    for name in manifest["files"]:
        manifest["files"][name] = {"bytes": (model_dir / name).stat().st_size, "sha256": sha256_file(model_dir / name)}
    write_json(model_dir / "manifest.json", manifest)
    return info


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model_dir", type=Path)
    group = ap.add_mutually_exclusive_group()
    group.add_argument("--size", type=int, help="shortlist size S (default 1024)")
    group.add_argument("--coverage", type=float, help="smallest S covering this share of the ranking's tokens")
    ap.add_argument("--work", type=Path, help="pipeline work dir (train.npy, rows-train-greedy.npz), optional")
    ap.add_argument("--text", type=Path, action="append",
                    help="count tokens of this text (documents split like train.txt) instead of the training data")
    ap.add_argument("--greedy-prompts", type=int, default=256,
                    help="greedy continuations to generate for the ranking when --work has none (0: train counts only)")
    ap.add_argument("--kinds", help="comma-separated head kinds (default: every kind in the manifest)")
    ap.add_argument("--out", type=Path, help="write a shortlisted copy here instead of changing MODEL_DIR")
    args = ap.parse_args()
    target = args.model_dir
    if args.out is not None:
        if args.out.exists():
            raise SystemExit(f"shortlist: {args.out} exists")
        shutil.copytree(args.model_dir, args.out)
        target = args.out
    size = args.size if args.size is not None or args.coverage is not None else 1024
    shortlist_heads(target, args.work, size, cover=args.coverage,
                    kinds=tuple(args.kinds.split(",")) if args.kinds else None, texts=args.text,
                    greedy_prompts=args.greedy_prompts)


if __name__ == "__main__":
    main()
