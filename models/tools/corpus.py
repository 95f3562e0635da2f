"""Reading the story corpus and turning it into token streams (documents separated by EOS id 0)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from bpe import BpeEncoder
from common import EOS_ID, EOS_TOKEN


def read_documents(path: Path) -> list[str]:
    """train.txt separates stories with a line `<|endoftext|>`; valid.txt separates stories and paragraphs
    with blank lines (there is no story marker there, so every blank-line chunk counts as one document)."""
    text = path.read_text(encoding="utf-8")
    if EOS_TOKEN in text:
        docs = text.split(EOS_TOKEN)
    else:
        docs = text.split("\n\n")
    return [d.strip("\n") for d in docs if d.strip()]


def encode_documents(encoder: BpeEncoder, docs: list[str]) -> np.ndarray:
    """-> int32 stream: doc0 tokens, EOS, doc1 tokens, EOS, ..."""
    ids: list[int] = []
    for doc in docs:
        ids.extend(encoder.encode(doc))
        ids.append(EOS_ID)
    return np.asarray(ids, dtype=np.int32)


def story_openings(docs: list[str], *, count: int, min_words: int = 8) -> list[str]:
    """First sentence of the first `count` documents that start a story ("Once upon a time...")."""
    out = []
    for doc in docs:
        if not doc.startswith("Once upon a time"):
            continue
        first = doc.split(". ")[0] + "."
        if len(first.split()) >= min_words:
            out.append(first)
        if len(out) == count:
            break
    return out


def document_starts(stream: np.ndarray) -> np.ndarray:
    """Indices where a document begins (0 and every position right after an EOS)."""
    eos = np.flatnonzero(stream == EOS_ID)
    return np.concatenate([[0], eos[:-1] + 1]).astype(np.int64)
