// Interleaved A/B of base graphs: decoder steps of T tokens (T = 1: AR; more: a tree block) over a P-token
// cache, files taking turns in blocks of 20 steps, medians and ratios to the first file at T = 1. The shared
// machine's load hits every file alike.
//   node models/tools/step_ab.mjs [--wasm] [--past 128] [--tokens 1,4,8] [--rounds 20] [--threads 1] [--spinning] a.onnx b.onnx ...
// Each file's folder must hold the manifest.json that gives the cache shape.
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { loadWebOrt } from "./parity.mjs";

const { values: opt, positionals: files } = parseArgs({
  allowPositionals: true,
  options: { wasm: { type: "boolean" }, past: { type: "string", default: "128" }, tokens: { type: "string", default: "1" }, rounds: { type: "string", default: "20" },
    threads: { type: "string", default: "1" }, spinning: { type: "boolean" } },
});
const ort = opt.wasm ? await loadWebOrt() : (await import("onnxruntime-node")).default;
const options = opt.wasm ? {} : { intraOpNumThreads: Number(opt.threads), extra: { session: { intra_op: { allow_spinning: opt.spinning ? "1" : "0" } } } };
const arch = JSON.parse(fs.readFileSync(path.join(path.dirname(files[0]), "manifest.json"), "utf8")).architecture;
const sessions = [];
for (const f of files) sessions.push(await ort.InferenceSession.create(fs.readFileSync(f), { graphOptimizationLevel: "all", ...options }));
const P = Number(opt.past);
const cache = Float32Array.from({ length: arch.n_kv_heads * P * arch.head_dim }, (_, i) => Math.sin(i));
const feedsFor = (T) => {
  const feeds = {
    input_ids: new ort.Tensor("int64", BigInt64Array.from({ length: T }, (_, i) => BigInt(7 + i)), [1, T]),
    position_ids: new ort.Tensor("int64", BigInt64Array.from({ length: T }, (_, i) => BigInt(P + i)), [1, T]),
    attention_mask: new ort.Tensor("float32", new Float32Array(T * (P + T)), [1, 1, T, P + T]),
  };
  for (let i = 0; i < arch.n_layers; i++) {
    for (const k of ["key", "value"]) feeds[`past.${i}.${k}`] = new ort.Tensor("float32", cache, [1, arch.n_kv_heads, P, arch.head_dim]);
  }
  return feeds;
};
const tokenCounts = opt.tokens.split(",").map(Number);
// Warm-up: V8 tiers onnxruntime-web's wasm up during its first seconds (src/runtime/README.md).
const warmUntil = performance.now() + (opt.wasm ? 3000 : 300);
while (performance.now() < warmUntil) for (const s of sessions) for (const T of tokenCounts) await s.run(feedsFor(T));
const times = tokenCounts.map(() => files.map(() => []));
for (let r = 0; r < Number(opt.rounds); r++) {
  for (const [t, T] of tokenCounts.entries()) {
    const feeds = feedsFor(T);
    for (const [j, s] of sessions.entries()) {
      for (let k = 0; k < 20; k++) {
        const t0 = performance.now();
        await s.run(feeds);
        times[t][j].push(performance.now() - t0);
      }
    }
  }
}
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const ref = median(times[0][0]);
console.log(`${opt.wasm ? "onnxruntime-web wasm" : `onnxruntime-node, ${opt.threads} thread(s)${opt.spinning ? ", spinning" : ""}`}, P = ${P}`);
for (const [t, T] of tokenCounts.entries()) {
  for (const [j, f] of files.entries()) console.log(`T = ${T}\t${f}\t${median(times[t][j]).toFixed(3)} ms\t× ${(median(times[t][j]) / ref).toFixed(3)}`);
}
