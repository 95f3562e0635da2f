// What a decoding step costs, per base variant and backend class, in AR steps of that variant: the forward
// of T tree nodes after a heads call (T = 2 … 64), and the heads call per depth, timed in the pattern
// decoding runs them (AR forwards back to back; a parallel step is a heads call, then the tree's forward),
// as src/engine/cost-model.ts times them at load. The engine times its backend itself where the clock
// runs during compute; where it cannot (workerd) it falls back to these numbers (manifest `step_costs`).
// Each variant is measured with the heads the engine gives it by default: its own (`heads` of the variant),
// and for the fp32 base on onnxruntime-node the int8 heads where the manifest has them (src/engine/native-heads.ts).
//   node models/tools/step_costs.mjs <model-folder> [--rounds 15] [--past 256] [--backends wasm,native]
// Prints one JSON object: { "<variant>": { "<backend class>": { "forward": [[T, ratio], …], "heads": { kind: [ratio per depth] } } } },
// variant "fp32" being the manifest's base.file.
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { loadWebOrt } from "./parity.mjs";

const SIZES = [2, 4, 8, 16, 32, 64];

const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: "string", default: "15" }, past: { type: "string", default: "256" }, backends: { type: "string", default: "wasm,native" } },
});
const dir = positionals[0];
if (!dir) {
  console.error("usage: node models/tools/step_costs.mjs <model-folder> [--rounds 15] [--past 256] [--backends wasm,native]");
  process.exit(2);
}
const manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"));
const arch = manifest.architecture;
const P = Math.min(Number(opt.past), arch.max_positions - SIZES[SIZES.length - 1] - 1);
const rounds = Number(opt.rounds);
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];

function baseFeeds(ort, T) {
  const mask = new Float32Array(T * (P + T));
  for (let r = 0; r < T; r++) for (let c = P + r + 1; c < P + T; c++) mask[r * (P + T) + c] = manifest.base.mask_value;
  const feeds = {
    input_ids: new ort.Tensor("int64", BigInt64Array.from({ length: T }, (_, i) => BigInt((P + i) % 2)), [1, T]),
    position_ids: new ort.Tensor("int64", BigInt64Array.from({ length: T }, (_, i) => BigInt(P + i)), [1, T]),
    attention_mask: new ort.Tensor("float32", mask, [1, 1, T, P + T]),
  };
  const cache = Float32Array.from({ length: arch.n_kv_heads * P * arch.head_dim }, (_, i) => Math.sin(i) * 0.5);
  for (let l = 0; l < arch.n_layers; l++) {
    for (const k of ["key", "value"]) feeds[`past.${l}.${k}`] = new ort.Tensor("float32", cache, [1, arch.n_kv_heads, P, arch.head_dim]);
  }
  return feeds;
}

function headsFeeds(ort, session, depth) {
  const feeds = { hidden_states: new ort.Tensor("float32", Float32Array.from({ length: arch.d_model }, (_, i) => Math.cos(i)), [1, arch.d_model]) };
  if (session.inputNames.includes("root_token")) feeds.root_token = new ort.Tensor("int64", BigInt64Array.from([1n]), [1]);
  if (session.inputNames.includes("num_heads")) feeds.num_heads = new ort.Tensor("int64", BigInt64Array.from([BigInt(depth)]), []);
  return feeds;
}

async function timed(run) {
  const t0 = performance.now();
  await run();
  return performance.now() - t0;
}

async function measure(ort, options, baseFile, headsFiles) {
  const create = (file) => ort.InferenceSession.create(fs.readFileSync(path.join(dir, file)), { graphOptimizationLevel: "all", ...options });
  const base = await create(baseFile);
  const heads = {};
  for (const [kind, file] of Object.entries(headsFiles)) heads[kind] = await create(file);
  const one = baseFeeds(ort, 1);
  const trees = SIZES.map((T) => baseFeeds(ort, T));
  const kinds = Object.keys(heads);
  const depthsOf = (kind) => Array.from({ length: manifest.heads[kind].num_heads }, (_, i) => i + 1);
  const ar = [];
  const forward = SIZES.map(() => []);
  const headsMs = Object.fromEntries(kinds.map((k) => [k, depthsOf(k).map(() => [])]));
  // V8 tiers onnxruntime-web's wasm up during its first seconds: two untimed rounds and a second of AR first.
  const warmUntil = performance.now() + 1000;
  while (performance.now() < warmUntil) await base.run(one);
  for (let round = -2; round < rounds; round++) {
    for (let i = 0; i < 3; i++) await base.run(one);
    for (let i = 0; i < 5; i++) {
      const ms = await timed(() => base.run(one));
      if (round >= 0) ar.push(ms);
    }
    for (const [i, feeds] of trees.entries()) {
      const kind = kinds[i % kinds.length];
      const session = heads[kind];
      await session.run(headsFeeds(ort, session, manifest.heads[kind].num_heads));
      const ms = await timed(() => base.run(feeds));
      if (round >= 0) forward[i].push(ms);
    }
    for (const kind of kinds) {
      for (const depth of depthsOf(kind)) {
        await base.run(one);
        const ms = await timed(() => heads[kind].run(headsFeeds(ort, heads[kind], depth)));
        if (round >= 0) headsMs[kind][depth - 1].push(ms);
      }
    }
  }
  await base.release();
  for (const s of Object.values(heads)) await s.release();
  const arMs = median(ar);
  const round3 = (x) => Math.round(x * 1000) / 1000;
  // Never cheaper with more rows or more heads (a dip is noise): running maxima, from 1 for the forward.
  const rising = (xs, from) => xs.reduce((out, x) => [...out, Math.max(x, out.length > 0 ? out[out.length - 1] : from)], []);
  return {
    ar_ms: round3(arMs),
    forward: [[1, 1.0], ...rising(forward.map((ms) => median(ms) / arMs), 1).map((r, i) => [SIZES[i], round3(r)])],
    heads: Object.fromEntries(kinds.map((k) => [k, rising(headsMs[k].map((ms) => median(ms) / arMs), 0).map(round3)])),
  };
}

const fp32Heads = Object.fromEntries(Object.entries(manifest.heads).map(([kind, h]) => [kind, h.file]));
const variants = { fp32: { file: manifest.base.file }, ...(manifest.base.variants ?? {}) };
const int8Heads = manifest.base.variants?.int8?.heads;
const result = {};
for (const backend of opt.backends.split(",")) {
  const ort = backend === "wasm" ? await loadWebOrt() : (await import("onnxruntime-node")).default;
  const options = backend === "wasm" ? {} : { intraOpNumThreads: 1, extra: { session: { intra_op: { allow_spinning: "0" } } } };
  for (const [name, variant] of Object.entries(variants)) {
    const own = variant.heads ?? (backend === "native" ? int8Heads : undefined);
    const headsFiles = { ...fp32Heads, ...(own ?? {}) };
    result[name] ??= {};
    result[name][backend] = await measure(ort, options, variant.file, headsFiles);
    console.error(`step_costs: ${name} on ${backend}: AR ${result[name][backend].ar_ms} ms, T=4 ${result[name][backend].forward[2][1]}, heads ${JSON.stringify(result[name][backend].heads)}`);
  }
}
console.log(JSON.stringify(result));
