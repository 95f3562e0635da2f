"""Re-create a model folder from the corpus: tokenizer -> base LM -> head rows (hidden states, greedy
continuations) -> Cerberus and Medusa heads -> calibration -> ONNX export -> parity -> manifest.

  python3 models/tools/pipeline.py --config fixture          # test/fixtures/tiny (a few minutes)
  python3 models/tools/pipeline.py --config tinystories-6m   # models/tinystories-6m (~100 minutes)
  python3 models/tools/pipeline.py --config smoke --out /tmp/smoke   # CI smoke path (< 2 minutes)

Stages whose output already exists in the work dir are skipped (a killed run resumes); --force STAGE reruns
one stage and everything after it; --only STAGE runs one stage by itself."""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from common import REPO_ROOT, log, set_threads, write_json
from configs import CONFIGS
from stages import STAGES, model_config

ORDER = [s.name for s in STAGES]


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
    ap.add_argument("--only", choices=ORDER, help="run just this stage, done or not (e.g. the two head stages "
                    "side by side, one process each, on a 2-core machine), then stop")
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
    if not (args.only and (work / "model-config.json").exists()):  # --only runs side by side: one writer
        write_json(work / "model-config.json", model_config(pc).to_dict())
    forced = ORDER.index(args.force) if args.force else len(ORDER)
    if args.only:
        stage = STAGES[ORDER.index(args.only)]
        log(f"pipeline: only stage {stage.name}")
        stage.run(pc, work, out)
        return
    for i, stage in enumerate(STAGES):
        if i < forced and (work / stage.done).exists():
            log(f"pipeline: {stage.name} already done, skipping")
            continue
        log(f"pipeline: stage {stage.name}")
        stage.run(pc, work, out)
        if stage.name == args.until:
            break
    log(f"pipeline: {pc.name} done -> {out}")


if __name__ == "__main__":
    sys.exit(main())
