"""Small helpers shared by the model tools: byte map, hashing, JSON, logging."""
from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from pathlib import Path

EOS_TOKEN = "<|endoftext|>"
EOS_ID = 0
TOOLS_DIR = Path(__file__).resolve().parent
REPO_ROOT = TOOLS_DIR.parent.parent
DATA_DIR = (REPO_ROOT / ".." / "shared" / "data").resolve()


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's reversible byte -> printable unicode map (what ByteLevel pre-tokenizers use)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_json(path: Path, obj: object, *, indent: int | None = 1) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=indent)
        f.write("\n")
    os.replace(tmp, path)  # atomic: a killed run never leaves half a file


def read_json(path: Path) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


_T0 = time.time()


def log(*parts: object) -> None:
    print(f"[{time.time() - _T0:7.1f}s]", *parts, flush=True)


def set_threads(n: int | None = None) -> None:
    import torch
    # 1 by default: on this shared 2-core machine two OpenMP threads were often slower than one (smoke run
    # 50 s vs 15 s, fixture base 9k vs 16k tokens/s); CERBERUS_THREADS=2 pays only on an idle machine.
    torch.set_num_threads(n or int(os.environ.get("CERBERUS_THREADS", "1")))


def die(msg: str) -> None:
    print(f"error: {msg}", file=sys.stderr)
    sys.exit(2)


class Progress:
    """Progress of a long loop: a line with rate and ETA at most every `every_s` seconds (and whenever a row
    carries an evaluation), and every row appended to a JSON-lines log for curves and machines."""

    def __init__(self, log_path: Path | None, *, total_steps: int, max_minutes: float, items_per_step: int,
                 unit: str = "tok/s", every_s: float = 30.0, label: str = "base"):
        self.log_path, self.total, self.max_minutes = log_path, total_steps, max_minutes
        self.items_per_step, self.unit, self.every_s, self.label = items_per_step, unit, every_s, label
        self.t_last, self.step_last, self.printed = time.time(), None, 0.0

    def update(self, step: int, minutes: float, row: dict) -> None:
        now = time.time()
        if self.log_path is not None:
            with open(self.log_path, "a", encoding="utf-8") as f:
                f.write(json.dumps(row) + "\n")
        if self.step_last is None:  # no rate yet: the first step includes start-up work
            self.t_last, self.step_last, self.printed = now, step, now
            return
        if "valid_loss" not in row and now - self.printed < self.every_s:
            return
        rate = (step - self.step_last) / max(now - self.t_last, 1e-6)  # steps/s since the last line
        eta_steps = (self.total - step) / max(rate, 1e-9) / 60
        eta = min(eta_steps, max(0.0, self.max_minutes - minutes))
        extra = f" valid {row['valid_loss']:.4f}" if "valid_loss" in row else ""
        log(f"{self.label} step {step}/{self.total}: train {row.get('train_loss', float('nan')):.3f}{extra} "
            f"lr {row.get('lr', 0):.2e}, {rate * self.items_per_step:,.0f} {self.unit}, {minutes:.1f} min, ETA {eta:.1f} min")
        self.t_last, self.step_last, self.printed = now, step, now
