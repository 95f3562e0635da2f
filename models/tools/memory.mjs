// Memory proxy for the Cloudflare Worker budget (128 MB): loads base.onnx and a heads graph in
// onnxruntime-web (wasm, 1 thread, as in workerd), fills one session's KV cache to max_positions with a
// prefill plus a 16-node block, and prints the process's RSS growth and the JS/wasm buffer totals.
//   node models/tools/memory.mjs <model-folder> [heads-kind]
import fs from "node:fs";
import path from "node:path";

const mb = (n) => Math.round((n / 1e6) * 10) / 10;

function kvFeeds(ort, a, past, P) {
  const feeds = {};
  for (let i = 0; i < a.n_layers; i++) for (const k of ["key", "value"]) {
    feeds[`past.${i}.${k}`] = new ort.Tensor("float32", past?.[`${i}.${k}`] ?? new Float32Array(0), [1, a.n_kv_heads, P, a.head_dim]);
  }
  return feeds;
}

function step(ort, a, { P, T }) {
  const mask = new Float32Array(T * (P + T));
  for (let t = 0; t < T; t++) for (let s = P + t + 1; s < P + T; s++) mask[t * (P + T) + s] = -10000;
  return {
    input_ids: new ort.Tensor("int64", BigInt64Array.from({ length: T }, (_, i) => BigInt((i * 7) % a.vocab_size)), [1, T]),
    position_ids: new ort.Tensor("int64", BigInt64Array.from({ length: T }, (_, i) => BigInt(P + i)), [1, T]),
    attention_mask: new ort.Tensor("float32", mask, [1, 1, T, P + T]),
  };
}

async function main() {
  const dir = process.argv[2];
  if (!dir || dir === "--help") { console.log("usage: node models/tools/memory.mjs <model-folder> [cerberus|medusa]"); process.exit(dir ? 0 : 2); }
  const kind = process.argv[3] ?? "cerberus";
  const before = process.memoryUsage();
  const ort = await import("onnxruntime-web");
  ort.env.wasm.numThreads = 1;
  const m = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"));
  const a = m.architecture;
  const base = await ort.InferenceSession.create(fs.readFileSync(path.join(dir, m.base.file)));
  const heads = await ort.InferenceSession.create(fs.readFileSync(path.join(dir, m.heads[kind].file)));
  const T0 = a.max_positions - 16;
  const pre = await base.run({ ...step(ort, a, { P: 0, T: T0 }), ...kvFeeds(ort, a, null, 0) });
  const past = Object.fromEntries(Object.entries(pre).filter(([k]) => k.startsWith("new.")).map(([k, v]) => [k.slice(4), v.data]));
  const out = await base.run({ ...step(ort, a, { P: T0, T: 16 }), ...kvFeeds(ort, a, past, T0) });
  const depth = heads.inputNames.includes("num_heads") ? { num_heads: new ort.Tensor("int64", BigInt64Array.of(BigInt(m.heads[kind].num_heads)), []) } : {};
  // root-reading heads (docs/model-contract.md) also take the token after the hidden state
  const root = heads.inputNames.includes("root_token") ? { root_token: new ort.Tensor("int64", BigInt64Array.of(1n), [1]) } : {};
  await heads.run({ hidden_states: new ort.Tensor("float32", out.hidden_states.data.slice(0, a.d_model), [1, a.d_model]), ...depth, ...root });
  const after = process.memoryUsage();
  const kvBytes = 2 * a.n_layers * a.max_positions * a.n_kv_heads * a.head_dim * 4;
  console.log(JSON.stringify({ folder: dir, heads: kind, rss_growth_mb: mb(after.rss - before.rss),
    array_buffers_mb: mb(after.arrayBuffers), kv_cache_full_mb: mb(kvBytes),
    model_files_mb: mb(fs.statSync(path.join(dir, m.base.file)).size + fs.statSync(path.join(dir, m.heads[kind].file)).size) }));
}

await main();
