"""The frozen base model's view of the data: hidden states over a token stream, and greedy continuations
of story openings (self-distillation: at temperature 0 a draft is accepted only if it equals the base model's
argmax, so the base model's own greedy text is what the heads must learn to predict)."""
from __future__ import annotations

import time

import numpy as np
import torch

from common import EOS_ID, log
from corpus import document_starts
from model import Transformer, causal_mask


@torch.no_grad()
def stream_hidden(model: Transformer, stream: np.ndarray, *, seq_len: int, batch: int = 16) -> np.ndarray:
    """Final hidden states (N, D) float16 for every position of the stream, in windows of seq_len."""
    n = len(stream) // seq_len * seq_len
    x = torch.from_numpy(stream[:n].astype(np.int64)).view(-1, seq_len)  # (W, L)
    out = np.empty((n, model.cfg.d_model), dtype=np.float16)
    pos, mask = torch.arange(seq_len)[None], causal_mask(seq_len)
    for i in range(0, x.shape[0], batch):
        xb = x[i:i + batch]
        _, h, _ = model(xb, position_ids=pos.expand(xb.shape[0], -1), mask=mask)
        out[i * seq_len:(i + len(xb)) * seq_len] = h.reshape(-1, h.shape[-1]).numpy()
    return out


@torch.no_grad()
def greedy_continue(model: Transformer, prompts: torch.Tensor, *, new_tokens: int, temperature: float = 0.0,
                    generator: torch.Generator | None = None) -> torch.Tensor:
    """prompts (B, L0) -> (B, L0 + new_tokens): greedy decoding with a KV cache (sampled when temperature > 0)."""
    B, L0 = prompts.shape
    logits, _, past = model(prompts, position_ids=torch.arange(L0)[None].expand(B, L0), mask=causal_mask(L0))
    seq = [prompts]
    for i in range(new_tokens):
        if temperature > 0:
            probs = torch.softmax(logits[:, -1] / temperature, dim=-1)
            nxt = torch.multinomial(probs, 1, generator=generator)  # (B, 1)
        else:
            nxt = logits[:, -1].argmax(-1, keepdim=True)  # (B, 1)
        seq.append(nxt)
        if i == new_tokens - 1:
            break
        P = L0 + i
        logits, _, new = model(nxt, position_ids=torch.full((B, 1), P), mask=torch.zeros(1, 1, 1, P + 1), past=past)
        past = [(torch.cat([pk, k], 2), torch.cat([pv, v], 2)) for (pk, pv), (k, v) in zip(past, new)]
    return torch.cat(seq, dim=1)


def greedy_set(model: Transformer, stream: np.ndarray, *, prompts: int, prompt_len: int, new_tokens: int,
               batch: int = 64, seed: int = 0, temperature: float = 0.0, label: str = "greedy") -> dict:
    """Greedy (or, with temperature > 0, sampled) continuations of document openings. Returns tokens (N, L),
    the first position whose next token is generated (prompt_len - 1), and per sequence the length up to and
    including the first generated EOS."""
    starts = document_starts(stream)
    starts = starts[starts + prompt_len < len(stream)]
    chosen = np.random.default_rng(seed).permutation(starts)[:prompts]
    rows = [stream[s:s + prompt_len] for s in chosen]
    rows = [r for r in rows if EOS_ID not in r]  # a one-line document would leak into the next one
    gen = torch.Generator().manual_seed(seed)
    out, t0 = [], time.time()
    for i in range(0, len(rows), batch):
        out.append(greedy_continue(model, torch.from_numpy(np.stack(rows[i:i + batch]).astype(np.int64)),
                                   new_tokens=new_tokens, temperature=temperature, generator=gen))
        done = min(i + batch, len(rows))
        if done == len(rows) or (i // batch) % 16 == 15:
            rate = done * new_tokens / max(time.time() - t0, 1e-6)
            log(f"rows: {label} {done}/{len(rows)} sequences, {rate:,.0f} tok/s, "
                f"ETA {(len(rows) - done) * new_tokens / max(rate, 1e-6) / 60:.1f} min")
    tokens = torch.cat(out).numpy().astype(np.int32)
    lengths = np.full(len(tokens), tokens.shape[1], dtype=np.int64)
    for i, row in enumerate(tokens):
        eos = np.flatnonzero(row[prompt_len:] == EOS_ID)
        if len(eos):
            lengths[i] = prompt_len + eos[0] + 1
    return {"tokens": tokens, "first": prompt_len - 1, "lengths": lengths}


@torch.no_grad()
def greedy_set_views(model: Transformer, gs: dict, *, num_heads: int) -> dict:
    """Flatten a greedy set into head-training rows: hidden (N, D) f16, targets (N, K) (-100 = none), roots (N,)
    (the token after the row: the base model's own choice), and the base model's logits entropy per row (nats)
    for the gate calibration."""
    tokens = torch.from_numpy(gs["tokens"].astype(np.int64))
    B, L = tokens.shape
    hs, tg, rt, ent = [], [], [], []
    for i in range(0, B, 32):
        x = tokens[i:i + 32]
        logits, h, _ = model(x, position_ids=torch.arange(L)[None].expand(len(x), L), mask=causal_mask(L))
        logp = torch.log_softmax(logits, -1)
        for j in range(len(x)):
            end = int(gs["lengths"][i + j])
            t = np.arange(gs["first"], end - 1)  # positions whose next token is the base model's greedy choice
            targets = np.full((len(t), num_heads), -100, dtype=np.int64)
            for k in range(num_heads):
                ok = t + k + 2 < end
                targets[ok, k] = x[j, t[ok] + k + 2].numpy()
            hs.append(h[j, t].numpy().astype(np.float16))
            tg.append(targets)
            rt.append(x[j, t + 1].numpy())
            ent.append(-(logp[j, t].exp() * logp[j, t]).sum(-1).numpy())
    return {"hidden": np.concatenate(hs), "targets": np.concatenate(tg), "roots": np.concatenate(rt),
            "entropy": np.concatenate(ent)}


def stream_targets(stream: np.ndarray, *, n: int, num_heads: int) -> np.ndarray:
    """(n, K) data targets: head k at position t predicts stream[t + k + 2]; -100 past the end."""
    t = np.arange(n)
    out = np.full((n, num_heads), -100, dtype=np.int64)
    for k in range(num_heads):
        ok = t + k + 2 < len(stream)
        out[ok, k] = stream[t[ok] + k + 2]
    return out
