"""Re-create a model folder from the corpus: tokenizer -> base LM -> head rows (hidden states, greedy
continuations) -> Cerberus and Medusa heads -> calibration -> ONNX export -> parity -> manifest.

  python3 models/tools/pipeline.py --config fixture          # test/fixtures/tiny (a few minutes)
  python3 models/tools/pipeline.py --config tinystories-6m   # models/tinystories-6m (~100 minutes)
  python3 models/tools/pipeline.py --config smoke --out /tmp/smoke   # CI smoke path (< 2 minutes)

Stages whose output already exists in the work dir are skipped (a killed run resumes); --force STAGE reruns
one stage and everything after it."""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from common import REPO_ROOT, log, set_threads, write_json
from configs import CONFIGS
import stages

ORDER = ["tokenizer", "base", "rows", "heads-cerberus", "heads-medusa", "calibrate", "verify", "export", "parity",
         "samples", "manifest"]
DONE_FILE = {"tokenizer": "train.npy", "base": "base-result.json", "rows": "rows-train-data.npz",
             "heads-cerberus": "heads-cerberus-result.json", "heads-medusa": "heads-medusa-result.json",
             "calibrate": "calibration.json", "verify": "verify.done", "export": "export.done", "parity": "parity-result.json",
             "samples": "samples.json", "manifest": "manifest.done"}


def run_stage(name: str, pc, work: Path, out: Path) -> None:
    if name == "tokenizer":
        stages.stage_tokenizer(pc, work)
    elif name == "base":
        stages.stage_base(pc, work)
    elif name == "rows":
        stages.stage_rows(pc, work)
    elif name.startswith("heads-"):
        stages.stage_heads(pc, work, name.split("-", 1)[1])
    elif name == "calibrate":
        stages.stage_calibrate(pc, work)
    elif name == "verify":
        from verify_acceptance import verify
        verify(work=work)  # raises if calibrate's accepted lengths disagree with real tree verification
        (work / "verify.done").touch()
    elif name == "export":
        stages.stage_export(pc, work, out)
        (work / "export.done").touch()
    elif name == "parity":
        stages.stage_parity(out, work)
    elif name == "samples":
        stages.stage_samples(pc, work)
    elif name == "manifest":
        from write_manifest import build_manifest
        write_json(out / "manifest.json", build_manifest(name=pc.name, folder=out, work=work))
        (work / "manifest.done").touch()


def parse_overrides(items: list[str]) -> dict:
    """--set base.max_minutes=30 heads.steps=100 -> nested overrides of the config's dicts."""
    over: dict = {}
    for item in items:
        key, value = item.split("=", 1)
        group, _, field = key.partition(".")
        over.setdefault(group, {})[field] = json.loads(value)
    return over


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", choices=sorted(CONFIGS), required=True)
    ap.add_argument("--out", type=Path, help="model folder to write (default: the config's)")
    ap.add_argument("--work", type=Path, help="checkpoints and intermediate files (default: models/runs/<config>)")
    ap.add_argument("--force", choices=ORDER, help="rerun this stage and all later ones")
    ap.add_argument("--until", choices=ORDER, help="stop after this stage")
    ap.add_argument("--set", nargs="*", default=[], metavar="GROUP.FIELD=JSON",
                    help="override config values, e.g. base.max_minutes=30 heads.steps=2000")
    args = ap.parse_args()
    set_threads()
    pc = CONFIGS[args.config]
    for group, fields in parse_overrides(args.set).items():
        pc = dataclasses.replace(pc, **{group: {**getattr(pc, group), **fields}})
    out = (args.out or REPO_ROOT / pc.out).resolve()
    work = (args.work or (out / "work" if args.out else REPO_ROOT / "models" / "runs" / args.config)).resolve()
    work.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    write_json(work / "model-config.json", stages.model_config(pc).to_dict())
    forced = ORDER.index(args.force) if args.force else len(ORDER)
    for i, name in enumerate(ORDER):
        if i < forced and (work / DONE_FILE[name]).exists():
            log(f"pipeline: {name} already done, skipping")
            continue
        log(f"pipeline: stage {name}")
        run_stage(name, pc, work, out)
        if name == args.until:
            break
    log(f"pipeline: {pc.name} done -> {out}")


if __name__ == "__main__":
    sys.exit(main())
