// Perplexity of a base graph (base.onnx or a variant such as base-int8.onnx) on the start of valid.txt, in
// onnxruntime-node: windows of up to 256 tokens from an empty cache, causal mask, next-token NLL. Every file
// of one folder is scored on the same tokens, so the numbers compare variants (not other tools' ppl).
//   node models/tools/perplexity.mjs <model-folder> [base file = base.onnx] [tokens = 4096] [--backend wasm]
// Prints one JSON line: {"file", "tokens", "ppl"}.
import fs from "node:fs";
import path from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";
import { loadWebOrt } from "./parity.mjs";

const WINDOW = 256;
const VALID = new URL("../../../shared/data/tinystories/valid.txt", import.meta.url);

function causalMask(T) {
  const m = new Float32Array(T * T);
  for (let t = 0; t < T; t++) for (let s = 0; s < T; s++) m[t * T + s] = s <= t ? 0 : -10000;
  return m;
}

export async function perplexity(ort, dir, file, tokens) {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"));
  const arch = manifest.architecture;
  const tok = new Tokenizer(JSON.parse(fs.readFileSync(path.join(dir, manifest.tokenizer.file), "utf8")), {
    ...manifest.tokenizer.config, clean_up_tokenization_spaces: false,
  });
  const text = fs.readFileSync(VALID, "utf8").slice(0, tokens * 8);
  const ids = tok.encode(text, { add_special_tokens: false }).ids.slice(0, tokens + 1);
  if (ids.length < tokens + 1) throw new Error(`valid.txt gives only ${ids.length} tokens`);
  const session = await ort.InferenceSession.create(fs.readFileSync(path.join(dir, file)), { graphOptimizationLevel: "all" });
  let nll = 0;
  let count = 0;
  for (let start = 0; start < tokens; start += WINDOW) {
    const T = Math.min(WINDOW, tokens - start);
    const feeds = {
      input_ids: new ort.Tensor("int64", BigInt64Array.from(ids.slice(start, start + T), BigInt), [1, T]),
      position_ids: new ort.Tensor("int64", BigInt64Array.from({ length: T }, (_, i) => BigInt(i)), [1, T]),
      attention_mask: new ort.Tensor("float32", causalMask(T), [1, 1, T, T]),
    };
    for (let i = 0; i < arch.n_layers; i++) {
      for (const kind of ["key", "value"]) {
        feeds[`past.${i}.${kind}`] = new ort.Tensor("float32", new Float32Array(0), [1, arch.n_kv_heads, 0, arch.head_dim]);
      }
    }
    const logits = (await session.run(feeds)).logits.data;
    const V = arch.vocab_size;
    for (let t = 0; t < T; t++) {
      const row = logits.subarray(t * V, (t + 1) * V);
      let max = -Infinity;
      for (let v = 0; v < V; v++) max = Math.max(max, row[v]);
      let sum = 0;
      for (let v = 0; v < V; v++) sum += Math.exp(row[v] - max);
      nll += Math.log(sum) + max - row[ids[start + t + 1]];
      count++;
    }
  }
  await session.release();
  return { file, tokens: count, ppl: Math.exp(nll / count) };
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === new URL(import.meta.url).pathname;
if (isMain) {
  const [dir, file = "base.onnx", tokens = "4096"] = process.argv.slice(2).filter((a) => !a.startsWith("--"));
  const ort = process.argv.includes("--backend") && process.argv.includes("wasm") ? await loadWebOrt() : await import("onnxruntime-node");
  console.log(JSON.stringify(await perplexity(ort.default ?? ort, dir, file, Number(tokens))));
}
