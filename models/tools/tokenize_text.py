"""Encode text from stdin with a tokenizer.json using the Python BPE encoder; prints the ids as JSON.
Used by the TypeScript tests to check that tokenizers.js produces exactly the same ids."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bpe import load_encoder
from common import read_json


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--tokenizer", type=Path, required=True, help="tokenizer.json")
    args = ap.parse_args()
    enc = load_encoder(read_json(args.tokenizer))
    print(json.dumps(enc.encode(sys.stdin.buffer.read().decode("utf-8"))))


if __name__ == "__main__":
    main()
