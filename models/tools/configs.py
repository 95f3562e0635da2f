"""Named pipeline configurations: one per artifact the project ships (and the CI smoke run)."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, kw_only=True)
class PipelineConfig:
    name: str
    out: str  # default artifact folder, relative to the repository root
    vocab_size: int
    model: dict  # ModelConfig fields except vocab_size
    base: dict  # TrainConfig overrides
    heads: dict  # HeadsTrainConfig overrides
    num_heads: int = 4
    init: str | None = None  # model folder to continue from (its tokenizer and base weights), relative to the repo
    distill_prompts: int = 2048  # continuations of train document openings, per cut point
    distill_cuts: tuple = (16,)  # prompt lengths (cut points) of the train continuations
    distill_sampled: float = 0.0  # share of train continuations sampled at distill_temperature instead of greedy
    distill_temperature: float = 0.5
    valid_prompts: int = 256  # greedy continuations of valid openings (accuracy, trees, calibration)
    prompt_len: int = 16
    new_tokens: int = 112
    valid_data_rows: int = 32768
    # ship base-int8.onnx and heads-*-int8.onnx beside fp32 (quantize.py: per-row W8A8; int8 Cerberus =
    # int8 AR on 270 of 270 measured generations; for onnxruntime-node, baseVariant / CERBERUS_BASE_VARIANT)
    int8: bool = False
    # project the heads onto this many most frequent ids (shortlist_heads.py; proposals need not be exact,
    # verification is): measured on tinystories-6m, 1024 of 4096 kept acceptance and cut the heads' time by a third
    heads_shortlist: int | None = None
    # head kinds whose heads also read the root token (heads.py): on tinystories-6m Cerberus head 1 top-1
    # .576 -> .711 (models/README.md); Medusa stays the paper's Medusa (it reads h alone)
    root_heads: tuple = ()
    # per head kind, the hidden widths of the heads' second blocks (heads.py mlp_hidden); kinds not named keep one
    # ResBlock per head (Medusa stays the paper's Medusa)
    heads_mlp_hidden: dict = field(default_factory=dict)
    quality_openings: int = 64  # valid story openings whose greedy 128-token continuations measure repetition
    notes: dict = field(default_factory=dict)


CONFIGS = {
    "smoke": PipelineConfig(
        name="smoke", out="models/runs/smoke-out", vocab_size=300,
        model=dict(d_model=32, n_layers=1, n_heads=2, ffn_hidden=64, max_positions=512),
        base=dict(seq_len=64, batch_size=8, max_steps=30, eval_every=15, eval_windows=4, warmup_steps=5),
        heads=dict(steps=20, batch_size=128, eval_every=10),
        distill_prompts=32, valid_prompts=16, new_tokens=24, valid_data_rows=2048, quality_openings=4, int8=True, heads_shortlist=128,
        root_heads=("cerberus",), heads_mlp_hidden={"cerberus": (64,)}),
    "fixture": PipelineConfig(
        name="tiny-fixture", out="test/fixtures/tiny", vocab_size=512,
        # ffn 64 keeps the five fp32 files under 1,000,000 bytes together (each heads graph carries its own LM head copy)
        model=dict(d_model=64, n_layers=2, n_heads=4, ffn_hidden=64, max_positions=512),
        # step budgets (a few minutes on a free machine) so a busy machine gives the same fixture, only later
        base=dict(seq_len=256, batch_size=16, max_steps=450, eval_every=150, eval_windows=16, max_minutes=20.0,
                  lr=3e-3, min_lr=3e-4),
        heads=dict(steps=1500, batch_size=256, eval_every=250, max_minutes=5.0, lr=3e-3),
        # int8: the padded-key, chains-only variant, the one exact by construction on wasm (what the Worker
        # serves), so the engine's wasm tests have it on the fixture too
        distill_prompts=512, valid_prompts=128, new_tokens=64, valid_data_rows=8192, int8=True),
    "tinystories-6m": PipelineConfig(
        name="tinystories-6m", out="models/tinystories-6m", vocab_size=4096,
        model=dict(d_model=256, n_layers=6, n_heads=8, ffn_hidden=688, max_positions=512),
        # Continues from the shipped weights (first trained 55 minutes on train.txt alone) over train.txt +
        # train_extra.txt (~1.5 M tokens): a second cosine at a lower peak, light dropout for the small corpus.
        # ~1,250 tokens/s on one busy core, ~3,600 on two free ones; the LR anneals by whichever budget ends first.
        init="models/tinystories-6m", int8=True,
        base=dict(seq_len=256, batch_size=16, max_steps=4000, eval_every=100, eval_windows=64, max_minutes=65.0,
                  patience=8, lr=6e-4, min_lr=4e-5, warmup_steps=50, dropout=0.05, checkpoint_minutes=5.0),
        # the heads were still improving when a 9-minute budget stopped them (3,774 of 6,000 steps): a step budget
        # both kinds reach (~4 steps/s each on one core of two), so both get the same steps (run the two
        # stages side by side with --only)
        # distill_frac 1: every row a continuation of the base's own (greedy, and a quarter sampled at T = 0.5),
        # no teacher-forced text rows: at temperature 0 only the greedy chain is accepted. A 1,000-step A/B from
        # the same heads: valid loss 1.717 -> 1.580 with continuations only vs 1.715 with half text rows, head
        # top-1 vs the greedy chain +.007/+.010/+.014/+.023
        heads=dict(steps=10000, batch_size=512, eval_every=500, max_minutes=50.0, distill_frac=1.0),
        # every cut point of ~6 k train openings, a quarter sampled at T = 0.5 (the typical-acceptance regime)
        distill_prompts=6144, distill_cuts=(12, 40), distill_sampled=0.25, valid_prompts=256, new_tokens=112,
        valid_data_rows=32768, heads_shortlist=1024, root_heads=("cerberus",),
        # a second, wider block on Cerberus heads 1 and 2 (the two below their accuracy targets). An 800-step A/B
        # from the same heads, same rows and rate: valid 1.4829 -> 1.4692 with head 1's, 1.4625 with heads 1 and
        # 2's; head 2 top-1 .630 -> .634 / .638 (models/README.md)
        heads_mlp_hidden={"cerberus": (1024, 1024)}),
}
