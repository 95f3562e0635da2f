"""Print the measured numbers of a pipeline run as Markdown (the source of models/README.md's tables)."""
from __future__ import annotations

import argparse
from pathlib import Path

from calibrate import accuracy_table
from common import read_json


def sizes(folder: Path) -> str:
    """Every file, then what a load of each precision reads (the 40 MB budget is per variant)."""
    manifest = read_json(folder / "manifest.json")
    files = manifest["files"]
    variants = manifest["base"].get("variants", {})
    in_variants = {f for v in variants.values() for f in (v["file"], *v["heads"].values())}
    fp32 = [f for f in files if f not in in_variants]
    fp32_weights = {manifest["base"]["file"], *(h["file"] for h in manifest["heads"].values())}
    loads = {"fp32": fp32, **{name: [f for f in fp32 if f not in fp32_weights] + [v["file"], *v["heads"].values()]
                              for name, v in variants.items()}}
    rows = [f"| {name} | {f['bytes'] / 1e6:.3f} MB |" for name, f in files.items()]
    totals = [f"| total, {name} | {sum(files[f]['bytes'] for f in load) / 1e6:.3f} MB |" for name, load in loads.items()]
    return "\n".join(["| file | size |", "|---|---|", *rows, *totals])


def gate(cal: dict) -> str:
    c = cal["gate"]["calibration"]
    edges = c["bin_edges"]
    rows = [f"| {edges[i]:.1f}–{edges[i + 1]:.1f} | {m:.3f} | {n} |"
            for i, (m, n) in enumerate(zip(c["mean_accepted"], c["count"]))]
    return "\n".join(["| entropy (nats) | mean extra tokens accepted | steps |", "|---|---|---|", *rows])


def report(*, work: Path, folder: Path) -> str:
    base = read_json(work / "base-result.json")
    cal = read_json(work / "calibration.json")
    parity = read_json(work / "parity-result.json")
    samples = read_json(work / "samples.json")
    parts = [
        f"Base: {base['parameters']:,} parameters; valid loss {base['valid_loss']:.4f} nats/token, "
        f"perplexity {base['valid_ppl']:.2f} (full valid.txt); "
        + (f"the weights it continued from kept (their best step {base['best_step']}; this run: {base['steps_run']} steps), "
           if base.get("kept_init") else f"best step {base['best_step']} of {base['steps_run']}, ")
        + f"{base['tokens_seen']:,} training tokens seen at the best step.",
        "", "Head accuracy on valid (top-1 / top-5 per head; head k predicts the token k+2 ahead):", "",
        accuracy_table(cal["accuracy"]), "",
        "Trees (cerberus): " + ", ".join(f"{b} {len(t['nodes'])} nodes, E[accepted] {t['expected_accepted']:.2f}"
                                         for b, t in cal["trees"]["cerberus"].items()),
        "Trees (medusa): " + ", ".join(f"{b} {len(t['nodes'])} nodes, E[accepted] {t['expected_accepted']:.2f}"
                                       for b, t in cal["trees"]["medusa"].items()),
        "", f"Gate calibration (cerberus, native tree), default threshold {cal['gate']['default_threshold']} nats; "
        f"overall mean accepted {cal['gate']['calibration']['overall_mean_accepted']:.3f}:", "", gate(cal), "",
        f"Parity max |Δ| (PyTorch vs ONNX): node {max(parity['node'].values()):.2e}, web {max(parity['web'].values()):.2e}",
        "", sizes(folder), "", "Greedy samples (temperature 0, story openings from valid.txt):", "",
    ]
    parts += [f"- **{s['prompt']}**{s['continuation']}" for s in samples]
    return "\n".join(parts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--work", type=Path, required=True, help="pipeline work dir")
    ap.add_argument("--folder", type=Path, required=True, help="model folder (manifest.json)")
    args = ap.parse_args()
    print(report(work=args.work, folder=args.folder))


if __name__ == "__main__":
    main()
