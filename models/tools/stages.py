"""Pipeline stages. Each reads and writes files in the work dir and is skipped when its output exists, so a
killed run resumes where it stopped."""
from __future__ import annotations

import json
import math
import shutil
import subprocess
from pathlib import Path

import numpy as np
import torch

from bpe import load_encoder
from common import DATA_DIR, REPO_ROOT, TOOLS_DIR, log, read_json, write_json
from configs import PipelineConfig
from corpus import encode_documents, read_documents, story_openings
from distill import greedy_continue, greedy_set, greedy_set_views, stream_hidden, stream_targets
from model import ModelConfig, load_base
from train_base import TrainConfig, evaluate, train_base
from train_tokenizer import train_tokenizer

TRAIN = DATA_DIR / "tinystories" / "train.txt"
VALID = DATA_DIR / "tinystories" / "valid.txt"


def stage_tokenizer(pc: PipelineConfig, work: Path) -> None:
    train_tokenizer(train_path=TRAIN, valid_path=VALID, vocab_size=pc.vocab_size, out=work / "tokenizer.json")
    enc = load_encoder(read_json(work / "tokenizer.json"))
    np.save(work / "valid.npy", encode_documents(enc, read_documents(VALID)))
    np.save(work / "train.npy", encode_documents(enc, read_documents(TRAIN)))  # last: marks the stage done


def model_config(pc: PipelineConfig) -> ModelConfig:
    return ModelConfig(vocab_size=pc.vocab_size, **pc.model)


def stage_base(pc: PipelineConfig, work: Path) -> None:
    tc = TrainConfig(**pc.base)
    res = train_base(cfg=model_config(pc), tc=tc, train=np.load(work / "train.npy"), valid=np.load(work / "valid.npy"),
                     out=work / "base.pt")
    model = load_base(work / "base.pt")
    vl = evaluate(model, np.load(work / "valid.npy"), seq_len=tc.seq_len, max_windows=None)
    ckpt = torch.load(work / "base.pt", map_location="cpu")
    write_json(work / "base-result.json", {"valid_loss": round(vl, 4), "valid_ppl": round(math.exp(vl), 3),
                                           "tokens_seen": ckpt["tokens_seen"], "best_step": ckpt["step"],
                                           "steps_run": res["steps"], "parameters": model.num_parameters(),
                                           "history": res["history"]})
    log(f"base: full valid loss {vl:.4f}, ppl {math.exp(vl):.2f}")


def _save_rows(path: Path, rows: dict) -> None:
    np.savez(path, **rows)


def stage_rows(pc: PipelineConfig, work: Path) -> None:
    """Hidden states + head targets for: train data, train greedy, valid greedy, valid data."""
    torch.manual_seed(0)
    model = load_base(work / "base.pt")
    seq = pc.base.get("seq_len", 256)
    K = pc.num_heads
    train, valid = np.load(work / "train.npy"), np.load(work / "valid.npy")
    vd = stream_hidden(model, valid[: pc.valid_data_rows + seq], seq_len=seq)[: pc.valid_data_rows]
    _save_rows(work / "rows-valid-data.npz", {"hidden": vd, "targets": stream_targets(valid, n=len(vd), num_heads=K)})
    for split, stream, n in (("valid", valid, pc.valid_prompts), ("train", train, pc.distill_prompts)):
        gs = greedy_set(model, stream, prompts=n, prompt_len=pc.prompt_len, new_tokens=pc.new_tokens)
        _save_rows(work / f"rows-{split}-greedy.npz", greedy_set_views(model, gs, num_heads=K))
        log(f"rows: {split} greedy {len(gs['tokens'])} sequences")
    td = stream_hidden(model, train, seq_len=seq)
    _save_rows(work / "rows-train-data.npz", {"hidden": td, "targets": stream_targets(train, n=len(td), num_heads=K)})


def _load(path: Path) -> dict:
    with np.load(path) as z:
        return {k: z[k] for k in z.files}


def load_head_rows(work: Path) -> tuple[list[dict], dict]:
    return [_load(work / "rows-train-data.npz"), _load(work / "rows-train-greedy.npz")], _load(work / "rows-valid-greedy.npz")


def load_valid_rows(work: Path) -> tuple[dict, dict]:
    return _load(work / "rows-valid-greedy.npz"), _load(work / "rows-valid-data.npz")


def stage_heads(pc: PipelineConfig, work: Path, kind: str) -> None:
    from heads import HeadsConfig
    from train_heads import HeadsTrainConfig, train_heads
    lm_head = torch.load(work / "base.pt", map_location="cpu")["model"]["lm_head"]
    train_sets, valid_set = load_head_rows(work)
    cfg = HeadsConfig(kind=kind, num_heads=pc.num_heads, d_model=lm_head.shape[0], vocab_size=lm_head.shape[1])
    res = train_heads(cfg=cfg, tc=HeadsTrainConfig(**pc.heads), lm_head=lm_head, train_sets=train_sets,
                      valid_set=valid_set, out=work / f"heads-{kind}.pt")
    write_json(work / f"heads-{kind}-result.json", res)


def stage_calibrate(pc: PipelineConfig, work: Path) -> None:
    from calibrate import accuracy_table, calibrate
    greedy, data = load_valid_rows(work)
    res = calibrate(work=work, valid_greedy=greedy, valid_data=data, vocab_size=pc.vocab_size)
    write_json(work / "calibration.json", res)
    print(accuracy_table(res["accuracy"]), flush=True)


def stage_export(pc: PipelineConfig, work: Path, out: Path) -> None:
    from export_onnx import export_all
    enc = load_encoder(read_json(work / "tokenizer.json"))
    prompt = enc.encode("Once upon a time")[:4]
    tree = enc.encode(" there was a little girl named")[:6]
    assert len(prompt) >= 3 and len(tree) == 6, "parity prompt/tree texts too short for this vocabulary"
    export_all(work=work, out=out, prompt=prompt, tree_ids=tree)
    shutil.copyfile(work / "tokenizer.json", out / "tokenizer.json")


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
    write_json(work / "samples.json", out)
