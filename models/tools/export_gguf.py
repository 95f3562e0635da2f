"""Export a model folder's base model (docs/model-contract.md) to GGUF, llama architecture, so it runs in
llama.cpp and the tools built on it (llama-cli, llama-server, node-llama-cpp, ...). See docs/gguf.md.

    python3 models/tools/export_gguf.py models/tinystories-6m out.gguf [--outtype f32|f16] [--gguf-py DIR]

- Weights are read from base.onnx (`base_graph.read_base_weights`), so any contract model converts, with or
  without its PyTorch checkpoint.
- Our rotary is rotate-half (first half of each head's dims pairs with the second half); llama.cpp's llama
  arch rotates adjacent pairs. The q and k rows are permuted per head so that llama.cpp's pairs are our
  (j, j + Dh/2) pairs, the same permutation Hugging Face's Llama conversion applies. Scores are unchanged.
- The LM head is tied: only token_embd is written, llama.cpp reuses it as the output matrix.
- Tokenizer: byte-level BPE as llama.cpp's `gpt2` model with the GPT-2 pre-tokenizer regex;
  `<|endoftext|>` (id 0) is bos, eos and the only control token; no BOS is added to prompts (our engine adds none).
- gguf-py is llama.cpp's writer; it is not on PyPI here, so pass its folder (the llama.cpp source inside the
  node-llama-cpp npm package has it; `npm run bench:peer` unpacks it) or have `gguf` importable.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from base_graph import layer_keys, read_base_weights  # noqa: E402


def rope_interleave_rows(w: np.ndarray, n_heads: int) -> np.ndarray:
    """(H*Dh, in) q or k rows in rotate-half order -> llama.cpp's interleaved order, per head:
    rows (j, j + Dh/2) become rows (2j, 2j + 1)."""
    rows = w.shape[0]
    return w.reshape(n_heads, 2, rows // n_heads // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def load_gguf(gguf_py: Path | None):
    if gguf_py is not None:
        sys.path.insert(0, str(gguf_py))
    try:
        import gguf  # type: ignore[import-not-found]
    except ImportError as e:
        raise SystemExit(f"export_gguf: cannot import gguf ({e}); pass --gguf-py <llama.cpp>/gguf-py") from e
    return gguf


def byte_level_tokens(tokenizer: dict) -> tuple[list[str], list[int], list[str]]:
    vocab: dict[str, int] = tokenizer["model"]["vocab"]
    tokens = [""] * len(vocab)
    for text, i in vocab.items():
        tokens[i] = text
    if "" in tokens:
        raise ValueError("tokenizer vocab ids are not contiguous")
    special = {t["id"] for t in tokenizer.get("added_tokens", []) if t.get("special")}
    types = [3 if i in special else 1 for i in range(len(tokens))]  # 3 = control, 1 = normal (gguf TokenType)
    merges = [m if isinstance(m, str) else " ".join(m) for m in tokenizer["model"]["merges"]]
    return tokens, types, merges


def export_gguf(model_dir: Path, out: Path, *, outtype: str = "f32", gguf_py: Path | None = None) -> None:
    gguf = load_gguf(gguf_py)
    manifest = json.loads((model_dir / "manifest.json").read_text())
    arch = manifest["architecture"]
    tokenizer = json.loads((model_dir / manifest["tokenizer"]["file"]).read_text())
    w = read_base_weights(model_dir / manifest["base"]["file"])
    D, H, L, F = arch["d_model"], arch["n_heads"], arch["n_layers"], arch["ffn_hidden"]
    H_kv = arch.get("n_kv_heads", H)
    if H_kv != H:
        raise ValueError("export_gguf: grouped-query attention is not in the model contract v1")
    dtype = {"f32": np.float32, "f16": np.float16}[outtype]

    writer = gguf.GGUFWriter(str(out), "llama")
    writer.add_name(manifest.get("name", model_dir.name))
    writer.add_context_length(arch["max_positions"])
    writer.add_embedding_length(D)
    writer.add_block_count(L)
    writer.add_feed_forward_length(F)
    writer.add_head_count(H)
    writer.add_head_count_kv(H_kv)
    writer.add_rope_dimension_count(arch["head_dim"])
    writer.add_rope_freq_base(float(arch["rope_theta"]))
    writer.add_layer_norm_rms_eps(float(arch.get("norm_eps", 1e-5)))
    writer.add_vocab_size(arch["vocab_size"])
    writer.add_file_type(gguf.LlamaFileType.ALL_F32 if outtype == "f32" else gguf.LlamaFileType.MOSTLY_F16)

    tokens, types, merges = byte_level_tokens(tokenizer)
    eos = manifest["tokenizer"]["eos_token_id"]
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("gpt-2")
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_token_merges(merges)
    writer.add_bos_token_id(eos)
    writer.add_eos_token_id(eos)
    writer.add_add_bos_token(False)
    writer.add_add_eos_token(False)

    def tensor(name: str, value: np.ndarray, *, keep_f32: bool = False) -> None:
        # Norm weights stay f32 (llama.cpp's own converters do the same).
        writer.add_tensor(name, np.ascontiguousarray(value.astype(np.float32 if keep_f32 else dtype)))

    tensor("token_embd.weight", w["lm_head"].T)  # (V, D); tied, so no output.weight
    tensor("output_norm.weight", w["norm.weight"], keep_f32=True)
    for i in range(L):
        k = layer_keys(i)
        q, kk, v = np.split(w[k["qkv"]], 3, axis=0)  # (D, D) each, rows = outputs
        gate, up = np.split(w[k["gate_up"]], 2, axis=0)
        tensor(f"blk.{i}.attn_norm.weight", w[k["attn_norm"]], keep_f32=True)
        tensor(f"blk.{i}.attn_q.weight", rope_interleave_rows(q, H))
        tensor(f"blk.{i}.attn_k.weight", rope_interleave_rows(kk, H_kv))
        tensor(f"blk.{i}.attn_v.weight", v)
        tensor(f"blk.{i}.attn_output.weight", w[k["out"]])
        tensor(f"blk.{i}.ffn_norm.weight", w[k["ffn_norm"]], keep_f32=True)
        tensor(f"blk.{i}.ffn_gate.weight", gate)
        tensor(f"blk.{i}.ffn_up.weight", up)
        tensor(f"blk.{i}.ffn_down.weight", w[k["down"]])

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model_dir", type=Path, help="model folder (manifest.json, base.onnx, tokenizer.json)")
    ap.add_argument("out", type=Path, help="GGUF file to write")
    ap.add_argument("--outtype", choices=["f32", "f16"], default="f32")
    ap.add_argument("--gguf-py", type=Path, default=None, help="llama.cpp's gguf-py folder (if gguf is not importable)")
    args = ap.parse_args()
    export_gguf(args.model_dir, args.out, outtype=args.outtype, gguf_py=args.gguf_py)
    print(f"export_gguf: wrote {args.out} ({args.out.stat().st_size} bytes, {args.outtype})")


if __name__ == "__main__":
    main()
