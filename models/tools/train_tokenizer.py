"""Train a byte-level BPE tokenizer on a text corpus and write a Hugging Face tokenizer.json."""
from __future__ import annotations

import argparse
import random
from pathlib import Path

from bpe import count_words, load_encoder, tokenizer_json, train_bpe
from common import DATA_DIR, log, write_json
from corpus import read_documents

TYPOGRAPHIC = "’ “ ” — … é"


def train_tokenizer(*, train_path: Path, valid_path: Path, vocab_size: int, out: Path) -> dict:
    docs = read_documents(train_path)
    counts = count_words(docs)
    log(f"tokenizer: {len(docs)} documents, {len(counts)} distinct pre-tokens, target vocab {vocab_size}")
    vocab, merges = train_bpe(word_counts=counts, vocab_size=vocab_size)
    tok = tokenizer_json(vocab=vocab, merges=merges)
    check_round_trip(tok, texts=read_documents(valid_path) + [TYPOGRAPHIC])
    write_json(out, tok, indent=None)
    log(f"tokenizer: wrote {out} ({len(vocab)} tokens, {len(merges)} merges)")
    return tok


def check_round_trip(tok: dict, *, texts: list[str]) -> None:
    """Byte-level BPE must be lossless: decode(encode(x)) == x on every text."""
    enc = load_encoder(tok)
    for text in texts:
        assert enc.decode(enc.encode(text)) == text, f"round trip failed on {text[:60]!r}"
    sample = random.Random(0).sample(texts, min(200, len(texts)))
    n_tok = sum(len(enc.encode(t)) for t in sample)
    n_chr = sum(len(t) for t in sample)
    log(f"tokenizer: round trip ok on {len(texts)} texts; {n_chr / n_tok:.2f} chars/token on a sample")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--train", type=Path, default=DATA_DIR / "tinystories" / "train.txt")
    ap.add_argument("--valid", type=Path, default=DATA_DIR / "tinystories" / "valid.txt")
    ap.add_argument("--vocab-size", type=int, default=4096)
    ap.add_argument("--out", type=Path, required=True, help="tokenizer.json to write")
    args = ap.parse_args()
    train_tokenizer(train_path=args.train, valid_path=args.valid, vocab_size=args.vocab_size, out=args.out)


if __name__ == "__main__":
    main()
