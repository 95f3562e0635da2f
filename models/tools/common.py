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
