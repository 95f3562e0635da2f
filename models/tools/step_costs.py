"""Measured step costs into a model folder's manifest: `step_costs` for the fp32 base and
`base.variants.<v>.step_costs` for each variant, per backend class: the engine's own start-up measurement
in the pattern decoding runs its calls in (`npm run bench:step-costs`, test/bench/step-costs.ts), taken in
Node on onnxruntime-web's wasm, onnxruntime-node and the fused kernel on one thread (class `kernel`: what a
Worker runs). The engine times its backend itself where it can;
where the clock does not run during compute (workerd) these are its cost model, so the trees and the gate
there price a step of this model, this variant, this backend.

    python3 models/tools/step_costs.py MODEL_DIR [--backends wasm,native-cpu,kernel]

The classes measured replace those in the manifest; the others stay.

Pipeline stage `step-costs` (stages.py, the last: after the variants exist).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO_ROOT, log, read_json, write_json  # noqa: E402


def measure(folder: Path, backends: str | None = None) -> dict:
    extra = [] if backends is None else ["--backends", backends]
    out = subprocess.run(["npm", "run", "--silent", "bench:step-costs", "--", str(folder.resolve()), *extra],
                         cwd=REPO_ROOT, check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def add_step_costs(folder: Path, backends: str | None = None) -> dict:
    measured = measure(folder, backends)
    manifest = read_json(folder / "manifest.json")
    for variant, by_class in measured.items():
        target = manifest if variant == "fp32" else manifest["base"]["variants"][variant]
        target["step_costs"] = {**target.get("step_costs", {}), **by_class}
        for cls, c in by_class.items():
            log(f"step costs: {variant} on {cls}: T=4 {dict(c['forward'])[4]}, heads {c['heads']}")
    write_json(folder / "manifest.json", manifest)
    return measured


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path)
    ap.add_argument("--backends", help="the engine backends to measure (default: wasm, native-cpu and kernel)")
    args = ap.parse_args()
    add_step_costs(args.folder, args.backends)


if __name__ == "__main__":
    main()
