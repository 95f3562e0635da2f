"""The head-training row files in a pipeline work dir (hidden states + head targets + root tokens), written
by the rows stage and read by head training and calibration: one module owns their names and format.

A row is one position t: `hidden` h_t, `targets` (head k: the token at t + k + 2), `roots` (the token at
t + 1: the text's for data rows, the base model's own choice for continuations — what `root` heads read)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from common import EOS_ID

TRAIN_DATA, TRAIN_CONTINUATIONS = "rows-train-data.npz", "rows-train-greedy.npz"
VALID_DATA, VALID_GREEDY = "rows-valid-data.npz", "rows-valid-greedy.npz"


def save_rows(path: Path, rows: dict) -> None:
    np.savez(path, **rows)


def load_rows(path: Path) -> dict:
    with np.load(path) as z:
        return {k: z[k] for k in z.files}


def stream_roots(stream: np.ndarray, n: int) -> np.ndarray:
    """Roots of data rows 0..n-1 of a token stream: the next token (EOS past the end)."""
    out = np.full(n, EOS_ID, dtype=np.int64)
    m = min(n, len(stream) - 1)
    out[:m] = stream[1:m + 1]
    return out


def continuation_roots(rows: dict, lm_head: torch.Tensor) -> np.ndarray:
    """Roots of continuation rows written before rows carried them, from the rows themselves: inside a
    sequence the root at t is the previous row's head-1 target (the token at t + 1); a sequence's last row is
    the only one without a head-1 target, so the row after it starts the next sequence, whose root is the base
    model's argmax at that row (exact for greedy sequences up to the float16 hidden state; for sampled ones
    the sampled token is lost, about 1 row in 450)."""
    first = rows["targets"][:, 0]
    roots = np.empty(len(first), dtype=np.int64)
    roots[1:] = first[:-1]
    starts = np.flatnonzero(np.concatenate([[True], first[:-1] < 0]))
    h = torch.from_numpy(rows["hidden"][starts].astype(np.float32))
    roots[starts] = torch.cat([(h[i:i + 65536] @ lm_head).argmax(-1) for i in range(0, len(h), 65536)]).numpy()
    return roots


def _with_roots(rows: dict, work: Path, stream: str | None) -> dict:
    if "roots" not in rows:
        if stream is not None:
            rows["roots"] = stream_roots(np.load(work / stream), len(rows["hidden"]))
        else:
            lm_head = torch.load(work / "base.pt", map_location="cpu")["model"]["lm_head"]
            rows["roots"] = continuation_roots(rows, lm_head)
    return rows


def load_head_rows(work: Path) -> tuple[list[dict], dict]:
    """([train data rows, train continuation rows], valid greedy rows)."""
    return ([_with_roots(load_rows(work / TRAIN_DATA), work, "train.npy"),
             _with_roots(load_rows(work / TRAIN_CONTINUATIONS), work, None)],
            _with_roots(load_rows(work / VALID_GREEDY), work, None))


def load_valid_rows(work: Path) -> tuple[dict, dict]:
    """(valid greedy rows, valid data rows)."""
    return (_with_roots(load_rows(work / VALID_GREEDY), work, None),
            _with_roots(load_rows(work / VALID_DATA), work, "valid.npy"))
