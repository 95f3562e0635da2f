"""How a base model's greedy text reads, in numbers: the share of repeated 4-grams in greedy continuations of
story openings (a looping model repeats itself: "she wanted to play with her toys ... play with her toys")."""
from __future__ import annotations

import argparse
from pathlib import Path

import torch

from bpe import load_encoder
from common import EOS_ID, read_json, write_json
from corpus import read_documents, story_openings
from distill import greedy_continue
from model import Transformer, load_base


def repeated_ngram_share(tokens: list[int], n: int = 4) -> tuple[int, int]:
    """(repeats, total) over the n-grams of one sequence: an n-gram counts as a repeat when it occurred
    earlier in the same sequence."""
    seen: set[tuple[int, ...]] = set()
    repeats = 0
    grams = [tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]
    for g in grams:
        repeats += g in seen
        seen.add(g)
    return repeats, len(grams)


@torch.no_grad()
def greedy_repetition(model: Transformer, encoder, openings: list[str], *, new_tokens: int = 128) -> dict:
    """Repeated 4-gram share over greedy continuations (cut at the first end of text), pooled over openings."""
    reps, total = 0, 0
    for text in openings:
        ids = torch.tensor([encoder.encode(text)])
        cont = greedy_continue(model, ids, new_tokens=new_tokens)[0, ids.shape[1]:].tolist()
        if EOS_ID in cont:
            cont = cont[: cont.index(EOS_ID)]
        r, t = repeated_ngram_share(cont)
        reps, total = reps + r, total + t
    return {"repeated_4gram_share": round(reps / max(total, 1), 4), "openings": len(openings),
            "new_tokens": new_tokens, "four_grams": total}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--base", type=Path, required=True, help="base checkpoint (.pt) or a model folder's base.onnx")
    ap.add_argument("--tokenizer", type=Path, required=True, help="tokenizer.json")
    ap.add_argument("--text", type=Path, required=True, help="stories to take the openings from (e.g. valid.txt)")
    ap.add_argument("--openings", type=int, default=64)
    ap.add_argument("--out", type=Path, help="write the result as JSON here too")
    args = ap.parse_args()
    if args.base.suffix == ".onnx":
        from model import ModelConfig
        from onnx_weights import load_base_from_onnx
        arch = read_json(args.base.parent / "manifest.json")["architecture"]
        cfg = ModelConfig(**{k: arch[k] for k in ModelConfig.__dataclass_fields__ if k in arch})
        model = load_base_from_onnx(args.base, cfg)
    else:
        model = load_base(args.base)
    res = greedy_repetition(model, load_encoder(read_json(args.tokenizer)),
                            story_openings(read_documents(args.text), count=args.openings))
    print(res)
    if args.out:
        write_json(args.out, res)


if __name__ == "__main__":
    main()
