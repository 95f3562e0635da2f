"""Pipeline stages. Each reads and writes files in the work dir and is skipped when its output exists, so a
killed run resumes where it stopped."""
from __future__ import annotations

import json
import math
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from bpe import load_encoder
from calibrate import accuracy_table, calibrate
from common import DATA_DIR, REPO_ROOT, TOOLS_DIR, log, read_json, write_json
from configs import PipelineConfig
from corpus import encode_documents, read_documents, story_openings
from distill import greedy_continue, greedy_set, greedy_set_views, stream_hidden, stream_targets
from export_onnx import export_all
from heads import HeadsConfig
from model import ModelConfig, load_base
from onnx_weights import base_state_from_onnx, heads_from_onnx
from quantize import add_int8_variant
from step_costs import add_step_costs
from rows import (TRAIN_CONTINUATIONS, TRAIN_DATA, VALID_DATA, VALID_GREEDY, continuation_roots, load_head_rows,
                  load_valid_rows, save_rows, stream_roots)
from depth_heads import depth_heads
from shortlist_heads import shortlist_heads
from text_quality import greedy_repetition
from train_base import TrainConfig, evaluate, train_base
from train_heads import HeadsTrainConfig, save_heads, train_heads
from train_tokenizer import train_tokenizer
from verify_acceptance import verify
from write_manifest import build_manifest

TRAIN = DATA_DIR / "tinystories" / "train.txt"
TRAIN_EXTRA = DATA_DIR / "tinystories" / "train_extra.txt"  # more stories, deduplicated against train and valid
VALID = DATA_DIR / "tinystories" / "valid.txt"


def train_documents() -> list[str]:
    return [d for path in (TRAIN, TRAIN_EXTRA) if path.exists() for d in read_documents(path)]


def init_folder(pc: PipelineConfig) -> Path | None:
    return REPO_ROOT / pc.init if pc.init else None


def stage_tokenizer(pc: PipelineConfig, work: Path) -> None:
    init = init_folder(pc)
    if init is not None:  # continuing a model: its token ids must keep their meaning
        shutil.copyfile(init / "tokenizer.json", work / "tokenizer.json")
        log(f"tokenizer: kept {init / 'tokenizer.json'}")
    else:
        train_tokenizer(train_path=TRAIN, valid_path=VALID, vocab_size=pc.vocab_size, out=work / "tokenizer.json")
    enc = load_encoder(read_json(work / "tokenizer.json"))
    np.save(work / "valid.npy", encode_documents(enc, read_documents(VALID)))
    np.save(work / "train.npy", encode_documents(enc, train_documents()))  # last: marks the stage done


def model_config(pc: PipelineConfig) -> ModelConfig:
    return ModelConfig(vocab_size=pc.vocab_size, **pc.model)


def stage_base(pc: PipelineConfig, work: Path) -> None:
    tc = TrainConfig(**pc.base)
    cfg, init, init_state = model_config(pc), init_folder(pc), None
    if init is not None and not (work / "base-train-state.pt").exists():
        init_state = base_state_from_onnx(init / "base.onnx", cfg)
        log(f"base: starting from {init / 'base.onnx'}")
    res = train_base(cfg=cfg, tc=tc, train=np.load(work / "train.npy"), valid=np.load(work / "valid.npy"),
                     out=work / "base.pt", init_state=init_state, log_path=work / "base-log.jsonl")
    model = load_base(work / "base.pt")
    vl = evaluate(model, np.load(work / "valid.npy"), seq_len=tc.seq_len, max_windows=None)
    ckpt = torch.load(work / "base.pt", map_location="cpu")
    seen, best_step = ckpt["tokens_seen"], ckpt["step"]
    kept_init = init is not None and best_step == 0
    if kept_init:  # no step beat the weights it started from: they are the model
        before = read_json(init / "manifest.json").get("training", {})
        seen, best_step = before.get("tokens_seen", seen), before.get("best_step", best_step)
        log(f"base: the weights of {init} stay (trained on {seen:,} tokens, best step {best_step})")
    write_json(work / "base-result.json", {"valid_loss": round(vl, 4), "valid_ppl": round(math.exp(vl), 3),
                                           "tokens_seen": seen, "best_step": best_step,
                                           "steps_run": res["steps"], "kept_init": kept_init, "parameters": model.num_parameters(),
                                           "history": res["history"]})
    log(f"base: full valid loss {vl:.4f}, ppl {math.exp(vl):.2f}")


def stage_rows(pc: PipelineConfig, work: Path) -> None:
    """Hidden states + head targets for: train data, train greedy, valid greedy, valid data."""
    torch.manual_seed(0)
    model = load_base(work / "base.pt")
    seq = pc.base.get("seq_len", 256)
    K = pc.num_heads
    train, valid = np.load(work / "train.npy"), np.load(work / "valid.npy")
    vd = stream_hidden(model, valid[: pc.valid_data_rows + seq], seq_len=seq)[: pc.valid_data_rows]
    save_rows(work / VALID_DATA, {"hidden": vd, "targets": stream_targets(valid, n=len(vd), num_heads=K),
                                  "roots": stream_roots(valid, len(vd))})
    gs = greedy_set(model, valid, prompts=pc.valid_prompts, prompt_len=pc.prompt_len, new_tokens=pc.new_tokens,
                    label="valid greedy")
    valid_greedy = greedy_set_views(model, gs, num_heads=K)
    check_continuation_roots(valid_greedy, model.state_dict()["lm_head"])
    save_rows(work / VALID_GREEDY, valid_greedy)
    save_rows(work / TRAIN_CONTINUATIONS, train_continuation_rows(pc, model, train))
    td = stream_hidden(model, train, seq_len=seq)
    save_rows(work / TRAIN_DATA, {"hidden": td, "targets": stream_targets(train, n=len(td), num_heads=K),
                                  "roots": stream_roots(train, len(td))})


def check_continuation_roots(rows: dict, lm_head: torch.Tensor) -> None:
    """rows.py derives the roots of row files written before rows carried them; on greedy rows the derivation
    must give the roots the continuations really had (first rows: up to float16 ties)."""
    agree = float((continuation_roots({k: v for k, v in rows.items() if k != "roots"}, lm_head) == rows["roots"]).mean())
    log(f"rows: derived roots agree with the continuations' on {agree:.2%} of the valid greedy rows")
    assert agree > 0.99, "rows.py's continuation_roots no longer matches how the rows are laid out"


def train_continuation_rows(pc: PipelineConfig, model, train: np.ndarray) -> dict:
    """Self-distillation rows at scale: continuations of train document openings at every cut point in
    pc.distill_cuts; a share pc.distill_sampled of them sampled at a low temperature (contexts the greedy
    chain never reaches, and the tokens typical acceptance accepts when sampling). Targets are the
    continuation itself."""
    views = []
    n_sampled = int(round(pc.distill_prompts * pc.distill_sampled))
    for j, cut in enumerate(pc.distill_cuts):
        for temperature, n in ((0.0, pc.distill_prompts - n_sampled), (pc.distill_temperature, n_sampled)):
            if n == 0:
                continue
            label = f"train cut {cut} " + (f"T={temperature}" if temperature else "greedy")
            gs = greedy_set(model, train, prompts=n, prompt_len=cut, new_tokens=pc.new_tokens, seed=1 + 2 * j + (temperature > 0),
                            temperature=temperature, label=label)
            views.append(greedy_set_views(model, gs, num_heads=pc.num_heads))
    return {k: np.concatenate([v[k] for v in views]) for k in views[0]}


def stage_heads(pc: PipelineConfig, work: Path, kind: str) -> None:
    lm_head = torch.load(work / "base.pt", map_location="cpu")["model"]["lm_head"]
    train_sets, valid_set = load_head_rows(work)
    cfg = HeadsConfig(kind=kind, num_heads=pc.num_heads, d_model=lm_head.shape[0], vocab_size=lm_head.shape[1],
                      root=kind in pc.root_heads, mlp_hidden=pc.heads_mlp_hidden.get(kind, ()))
    out = work / f"heads-{kind}.pt"
    init = init_folder(pc)
    if pc.heads.get("warm_start") and not out.exists() and init is not None:
        # the shipped heads are the only copy off this machine's work dir: warm-start from their initializers
        shipped = heads_from_onnx(init, kind, lm_head)
        save_heads(out, shipped, shipped.cfg, step=0)
        log(f"heads-{kind}: starting from {init / f'heads-{kind}.onnx'}")
    res = train_heads(cfg=cfg, tc=HeadsTrainConfig(**pc.heads), lm_head=lm_head, train_sets=train_sets,
                      valid_set=valid_set, out=out, log_path=work / f"heads-{kind}-log.jsonl")
    write_json(work / f"heads-{kind}-result.json", res)


def stage_calibrate(pc: PipelineConfig, work: Path) -> None:
    greedy, data = load_valid_rows(work)
    res = calibrate(work=work, valid_greedy=greedy, valid_data=data, vocab_size=pc.vocab_size)
    write_json(work / "calibration.json", res)
    print(accuracy_table(res["accuracy"]), flush=True)


def stage_export(pc: PipelineConfig, work: Path, out: Path) -> None:
    enc = load_encoder(read_json(work / "tokenizer.json"))
    prompt = enc.encode("Once upon a time")[:4]
    tree = enc.encode(" there was a little girl named")[:6]
    assert len(prompt) >= 3 and len(tree) == 6, "parity prompt/tree texts too short for this vocabulary"
    export_all(work=work, out=out, prompt=prompt, tree_ids=tree)
    shutil.copyfile(work / "tokenizer.json", out / "tokenizer.json")
    (work / "export.done").touch()


def stage_parity(out: Path, work: Path) -> None:
    """Replays parity.json in onnxruntime-node and onnxruntime-web (node script); fails above tolerance."""
    res = subprocess.run(["node", str(TOOLS_DIR / "parity.mjs"), str(out)], cwd=REPO_ROOT, capture_output=True, text=True)
    print(res.stdout, res.stderr, flush=True)
    assert res.returncode == 0, "parity check failed (see output above)"
    write_json(work / "parity-result.json", json.loads(res.stdout.strip().splitlines()[-1]))


@torch.no_grad()
def stage_samples(pc: PipelineConfig, work: Path, *, count: int = 5, new_tokens: int = 60) -> None:
    enc = load_encoder(read_json(work / "tokenizer.json"))
    model = load_base(work / "base.pt")
    out = []
    for text in story_openings(read_documents(VALID), count=count):
        ids = torch.tensor([enc.encode(text)])
        cont = greedy_continue(model, ids, new_tokens=new_tokens)[0, ids.shape[1]:].tolist()
        if 0 in cont:
            cont = cont[: cont.index(0)]
        out.append({"prompt": text, "continuation": enc.decode(cont)})
    quality = greedy_repetition(model, enc, story_openings(read_documents(VALID), count=pc.quality_openings))
    write_json(work / "text-quality.json", quality)
    log(f"samples: repeated 4-grams in greedy 128-token continuations {quality['repeated_4gram_share']:.1%}")
    write_json(work / "samples.json", out)  # last: marks the stage done


def stage_verify(pc: PipelineConfig, work: Path) -> None:
    verify(work=work)  # raises if calibrate's accepted lengths disagree with real tree verification
    (work / "verify.done").touch()


def stage_shortlist(pc: PipelineConfig, work: Path, out: Path) -> None:
    """Heads projected onto the pc.heads_shortlist most frequent ids (shortlist_heads.py): after the manifest,
    which it amends. None keeps full-vocabulary heads."""
    if pc.heads_shortlist is not None:
        shortlist_heads(out, work, pc.heads_shortlist)
    (work / "shortlist.done").touch()


def stage_depth(work: Path, out: Path) -> None:
    """Heads graphs that compute only the heads a tree uses (depth_heads.py): after the shortlist."""
    depth_heads(out)
    (work / "depth.done").touch()


def stage_manifest(pc: PipelineConfig, work: Path, out: Path) -> None:
    write_json(out / "manifest.json", build_manifest(name=pc.name, folder=out, work=work))
    (work / "manifest.done").touch()


def stage_quantize_if_wanted(pc: PipelineConfig, work: Path, out: Path) -> None:
    """The int8 variant (quantize.py) follows every retrain of a config that ships one: written last, from
    the final graphs (the heads shortlisted and depth-selectable), after the manifest (its perplexity is
    measured through it), which it amends (quantize-result.json records the entry). Other configs carry no
    variant, and int8 files left from an earlier run are removed."""
    if pc.int8:
        write_json(work / "quantize-result.json", add_int8_variant(out))
    else:
        (work / "quantize-result.json").unlink(missing_ok=True)
        for stale in out.glob("*-int8.onnx"):
            stale.unlink()
        log("quantize: this config ships no int8 variant (PipelineConfig.int8)")
    (work / "quantize.done").touch()


def stage_step_costs(work: Path, out: Path) -> None:
    """Step costs of every variant on wasm and onnxruntime-node into the manifest (step_costs.py), measured
    on the folder's final graphs; the engine's cost model where it cannot time (workerd)."""
    write_json(work / "step-costs.json", add_step_costs(out))


@dataclass(frozen=True)
class Stage:
    name: str
    done: str  # the file in the work dir whose presence means the stage has run (written last)
    run: Callable[[PipelineConfig, Path, Path], None]  # (config, work dir, model folder)


STAGES: tuple[Stage, ...] = (
    Stage("tokenizer", "train.npy", lambda pc, work, out: stage_tokenizer(pc, work)),
    Stage("base", "base-result.json", lambda pc, work, out: stage_base(pc, work)),
    Stage("rows", TRAIN_DATA, lambda pc, work, out: stage_rows(pc, work)),
    Stage("heads-cerberus", "heads-cerberus-result.json", lambda pc, work, out: stage_heads(pc, work, "cerberus")),
    Stage("heads-medusa", "heads-medusa-result.json", lambda pc, work, out: stage_heads(pc, work, "medusa")),
    Stage("calibrate", "calibration.json", lambda pc, work, out: stage_calibrate(pc, work)),
    Stage("verify", "verify.done", lambda pc, work, out: stage_verify(pc, work)),
    Stage("export", "export.done", lambda pc, work, out: stage_export(pc, work, out)),
    Stage("parity", "parity-result.json", lambda pc, work, out: stage_parity(out, work)),
    Stage("samples", "samples.json", lambda pc, work, out: stage_samples(pc, work)),
    Stage("manifest", "manifest.done", stage_manifest),
    Stage("shortlist", "shortlist.done", lambda pc, work, out: stage_shortlist(pc, work, out)),
    Stage("depth", "depth.done", lambda pc, work, out: stage_depth(work, out)),
    Stage("quantize", "quantize.done", lambda pc, work, out: stage_quantize_if_wanted(pc, work, out)),
    Stage("step-costs", "step-costs.json", lambda pc, work, out: stage_step_costs(work, out)),
)
