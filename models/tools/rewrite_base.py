"""Rewrite a model folder's base.onnx with the current graph writer (base_graph.py), weights unchanged, into
a new folder (or in place), and refresh the manifest's sizes and sha256. For models exported before
base_graph.py existed (torch.onnx traces): same function, fewer kernels per step.

    python3 models/tools/rewrite_base.py models/tinystories-6m /tmp/tinystories-6m-fast
    node models/tools/parity.mjs /tmp/tinystories-6m-fast      # PyTorch's reference outputs still hold
"""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from base_graph import BaseDims, read_base_weights, write_base  # noqa: E402
from common import read_json, sha256_file, write_json  # noqa: E402


def dims_of(manifest: dict) -> BaseDims:
    a = manifest["architecture"]
    return BaseDims(vocab_size=a["vocab_size"], d_model=a["d_model"], n_layers=a["n_layers"], n_heads=a["n_heads"],
                    ffn_hidden=a["ffn_hidden"], rope_theta=a["rope_theta"], norm_eps=a.get("norm_eps", 1e-5))


def refresh_file_entries(folder: Path, manifest: dict) -> None:
    manifest["files"] = {p.name: {"bytes": p.stat().st_size, "sha256": sha256_file(p)}
                         for p in sorted(folder.iterdir()) if p.is_file() and p.name != "manifest.json"}
    write_json(folder / "manifest.json", manifest)


def rewrite_base(src: Path, out: Path) -> None:
    manifest = read_json(src / "manifest.json")
    weights = read_base_weights(src / manifest["base"]["file"])
    if out.resolve() != src.resolve():
        out.mkdir(parents=True, exist_ok=True)
        for f in src.iterdir():
            if f.is_file():
                shutil.copy2(f, out / f.name)
    write_base(weights, dims_of(manifest), out / manifest["base"]["file"])
    refresh_file_entries(out, manifest)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src", type=Path)
    ap.add_argument("out", type=Path)
    args = ap.parse_args()
    rewrite_base(args.src, args.out)
    print(f"rewrite_base: wrote {args.out}")


if __name__ == "__main__":
    main()
