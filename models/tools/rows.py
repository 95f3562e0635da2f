"""The head-training row files in a pipeline work dir (hidden states + head targets), written by the rows
stage and read by head training and calibration: one module owns their names and format."""
from __future__ import annotations

from pathlib import Path

import numpy as np

TRAIN_DATA, TRAIN_CONTINUATIONS = "rows-train-data.npz", "rows-train-greedy.npz"
VALID_DATA, VALID_GREEDY = "rows-valid-data.npz", "rows-valid-greedy.npz"


def save_rows(path: Path, rows: dict) -> None:
    np.savez(path, **rows)


def load_rows(path: Path) -> dict:
    with np.load(path) as z:
        return {k: z[k] for k in z.files}


def load_head_rows(work: Path) -> tuple[list[dict], dict]:
    """([train data rows, train continuation rows], valid greedy rows)."""
    return [load_rows(work / TRAIN_DATA), load_rows(work / TRAIN_CONTINUATIONS)], load_rows(work / VALID_GREEDY)


def load_valid_rows(work: Path) -> tuple[dict, dict]:
    """(valid greedy rows, valid data rows)."""
    return load_rows(work / VALID_GREEDY), load_rows(work / VALID_DATA)
