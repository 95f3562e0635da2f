"""Write manifest.json for a model folder: architecture, files with sizes and sha256, head kinds with their
valid accuracies, default trees per backend class, gate threshold and calibration, training numbers."""
from __future__ import annotations

import argparse
from pathlib import Path

from common import EOS_ID, EOS_TOKEN, log, read_json, sha256_file, write_json
from trees import COST_CURVES

FORMAT = "cerberus-edge-model/1"


def file_entries(folder: Path) -> dict:
    """Every file of the folder except the manifest itself."""
    return {p.name: {"bytes": p.stat().st_size, "sha256": sha256_file(p)}
            for p in sorted(folder.iterdir()) if p.is_file() and p.name != "manifest.json"}


def heads_entry(kind: str, cal: dict, *, num_heads: int) -> dict:
    acc = cal["accuracy"][kind]
    return {"file": f"heads-{kind}.onnx", "num_heads": num_heads,
            # valid_top1/top5: against the base model's greedy chain (what verification accepts at T=0)
            "valid_top1": acc["greedy"]["top1"], "valid_top5": acc["greedy"]["top5"],
            "valid_top1_data": acc["data"]["top1"], "valid_top5_data": acc["data"]["top5"],
            "rank_accuracy": cal["rank_accuracy"][kind],
            "trees": {b: t["nodes"] for b, t in cal["trees"][kind].items()}}


def base_entry(work: Path) -> dict:
    """base.onnx. The int8 variant is added by the quantize stage, which runs after shortlist and depth
    (they rewrite the fp32 heads it quantises), so a manifest written here never lists a stale variant."""
    return {"file": "base.onnx", "mask_value": -10000.0}


def build_manifest(*, name: str, folder: Path, work: Path) -> dict:
    arch = read_json(work / "model-config.json")
    base = read_json(work / "base-result.json")
    cal = read_json(work / "calibration.json")
    K = len(cal["rank_accuracy"]["cerberus"])
    return {
        "format": FORMAT,
        "name": name,
        "architecture": {**arch, "n_kv_heads": arch["n_heads"], "head_dim": arch["d_model"] // arch["n_heads"],
                         "parameters": base["parameters"]},
        "tokenizer": {"file": "tokenizer.json", "eos_token_id": EOS_ID, "eos_token": EOS_TOKEN,
                      "config": {"clean_up_tokenization_spaces": False}},
        "base": base_entry(work),
        "heads": {kind: heads_entry(kind, cal, num_heads=K) for kind in ("cerberus", "medusa")},
        "files": file_entries(folder),
        "trees": {b: t["nodes"] for b, t in cal["trees"]["cerberus"].items()},
        "gate": cal["gate"],
        # The curves the trees and the gate default were sized with; the engine's fallback where it cannot time.
        "cost_curves": {b: [[t, r] for t, r in sorted(curve.items())] for b, curve in COST_CURVES.items()},
        "training": {"valid_loss": base["valid_loss"], "valid_ppl": base["valid_ppl"],
                     "tokens_seen": base["tokens_seen"], "best_step": base["best_step"]},
        "parity": {"file": "parity.json"},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--name", required=True)
    ap.add_argument("--folder", type=Path, required=True, help="model folder (ONNX files, tokenizer.json)")
    ap.add_argument("--work", type=Path, required=True, help="pipeline work dir (results, calibration.json)")
    args = ap.parse_args()
    write_json(args.folder / "manifest.json", build_manifest(name=args.name, folder=args.folder, work=args.work))
    log(f"manifest: wrote {args.folder / 'manifest.json'}")


if __name__ == "__main__":
    main()
