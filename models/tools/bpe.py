"""Byte-level BPE: training, encoding and the Hugging Face tokenizer.json writer.

Encoding follows the `tokenizers` BPE model exactly: GPT-2 pre-tokenisation regex, bytes mapped to
printable unicode, then within each pre-token repeatedly merge the adjacent pair of lowest merge rank.
"""
from __future__ import annotations

import heapq
from collections import Counter, defaultdict

import regex

from common import EOS_ID, EOS_TOKEN, bytes_to_unicode

# Same pattern as the ByteLevel pre-tokenizer (Rust tokenizers and tokenizers.js).
GPT2_PATTERN = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")
BYTE_MAP = bytes_to_unicode()


def pretokenize(text: str) -> list[str]:
    """Text -> byte-mapped pre-tokens (strings over the 256-symbol alphabet)."""
    return ["".join(BYTE_MAP[b] for b in m.encode("utf-8")) for m in GPT2_PATTERN.findall(text)]


def count_words(texts: list[str]) -> Counter:
    counts: Counter = Counter()
    for text in texts:
        counts.update(pretokenize(text))
    return counts


def _pairs(word: list[str]) -> Counter:
    return Counter(zip(word, word[1:]))


def _merge_word(word: list[str], pair: tuple[str, str]) -> list[str]:
    out, i = [], 0
    while i < len(word):
        if i + 1 < len(word) and word[i] == pair[0] and word[i + 1] == pair[1]:
            out.append(word[i] + word[i + 1])
            i += 2
        else:
            out.append(word[i])
            i += 1
    return out


def train_bpe(*, word_counts: Counter, vocab_size: int) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """Greedy BPE on word counts. Returns (vocab token->id, merges in rank order).

    Ids: 0 = <|endoftext|>, 1..256 = the byte alphabet, then one id per merge. Pair counts are updated
    incrementally (only words containing the merged pair are touched) and the best pair comes from a
    lazy max-heap, so ~4k merges on the corpus take seconds rather than minutes.
    """
    alphabet = [BYTE_MAP[b] for b in range(256)]
    vocab = {EOS_TOKEN: EOS_ID, **{s: i + 1 for i, s in enumerate(alphabet)}}
    words = [list(w) for w in word_counts]
    freqs = list(word_counts.values())
    pair_counts: Counter = Counter()
    where: dict[tuple[str, str], set[int]] = defaultdict(set)
    for idx, word in enumerate(words):
        for pair, n in _pairs(word).items():
            pair_counts[pair] += n * freqs[idx]
            where[pair].add(idx)
    heap = [(-n, pair) for pair, n in pair_counts.items()]
    heapq.heapify(heap)
    merges: list[tuple[str, str]] = []
    while len(vocab) < vocab_size and heap:
        neg, pair = heapq.heappop(heap)
        if pair_counts.get(pair, 0) != -neg or -neg < 2:
            continue  # stale heap entry (count changed since it was pushed) or nothing worth merging
        merges.append(pair)
        vocab[pair[0] + pair[1]] = len(vocab)
        touched: set[tuple[str, str]] = set()
        for idx in where.pop(pair):
            old = words[idx]
            if len(old) < 2:
                continue
            new = _merge_word(old, pair)
            if len(new) == len(old):
                continue  # stale: an earlier merge already consumed this occurrence
            for p, n in _pairs(old).items():
                pair_counts[p] -= n * freqs[idx]
                touched.add(p)
            for p, n in _pairs(new).items():
                pair_counts[p] += n * freqs[idx]
                where[p].add(idx)
                touched.add(p)
            words[idx] = new
        pair_counts.pop(pair, None)
        for p in touched:
            if pair_counts.get(p, 0) > 0 and p != pair:
                heapq.heappush(heap, (-pair_counts[p], p))
    return vocab, merges


class BpeEncoder:
    """Rank-based BPE encoder, equivalent to the tokenizers BPE model with our tokenizer.json."""

    def __init__(self, *, vocab: dict[str, int], merges: list[tuple[str, str]]):
        self.vocab = vocab
        self.ranks = {pair: i for i, pair in enumerate(merges)}
        self.inverse = {i: s for s, i in vocab.items()}
        self.byte_decoder = {c: b for b, c in BYTE_MAP.items()}
        self.cache: dict[str, list[int]] = {}

    def _bpe(self, word: str) -> list[int]:
        if word in self.cache:
            return self.cache[word]
        parts = list(word)
        while len(parts) > 1:
            ranked = [(self.ranks.get(p, 1 << 30), i) for i, p in enumerate(zip(parts, parts[1:]))]
            rank, i = min(ranked)
            if rank == 1 << 30:
                break
            parts = parts[:i] + [parts[i] + parts[i + 1]] + parts[i + 2:]
        ids = [self.vocab[p] for p in parts]
        self.cache[word] = ids
        return ids

    def encode(self, text: str) -> list[int]:
        """Encode text; the literal string <|endoftext|> becomes the special id 0 (as in tokenizers)."""
        ids: list[int] = []
        for i, piece in enumerate(text.split(EOS_TOKEN)):
            if i > 0:
                ids.append(EOS_ID)
            for word in pretokenize(piece):
                ids.extend(self._bpe(word))
        return ids

    def decode(self, ids: list[int]) -> str:
        text = "".join(self.inverse[i] if i != EOS_ID else "" for i in ids)
        return bytes(self.byte_decoder[c] for c in text).decode("utf-8", errors="replace")


def tokenizer_json(*, vocab: dict[str, int], merges: list[tuple[str, str]]) -> dict:
    """The Hugging Face tokenizer.json for a byte-level BPE (GPT-2 layout, no normaliser)."""
    eos = {"id": EOS_ID, "content": EOS_TOKEN, "single_word": False, "lstrip": False, "rstrip": False,
           "normalized": False, "special": True}
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
    return {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": [eos], "normalizer": None,
        "pre_tokenizer": byte_level, "post_processor": {**byte_level, "trim_offsets": False}, "decoder": byte_level,
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": vocab, "merges": [[a, b] for a, b in merges]},
    }


def load_encoder(tokenizer: dict) -> BpeEncoder:
    model = tokenizer["model"]
    return BpeEncoder(vocab=model["vocab"], merges=[tuple(m) for m in model["merges"]])
