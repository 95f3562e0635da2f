// Replays a model folder's parity.json (written by export_onnx.py from PyTorch) through onnxruntime-node
// and onnxruntime-web (wasm, in Node): prefill with an empty cache (P = 0), then a tree-masked block over the
// cache the ONNX prefill produced, then both heads graphs. Prints max |Δ| per check as one JSON line.
//   node models/tools/parity.mjs <model-folder>    (exit 1 if any difference exceeds the tolerance)
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const f32 = (b64) => { const b = Buffer.from(b64, "base64"); return new Float32Array(b.buffer, b.byteOffset, b.length / 4); };
const i64 = (xs) => BigInt64Array.from(xs.map(BigInt));

function maxAbsDiff(a, b) {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** The first d of k heads' logits of each of n rows ([n, k, V] → [n, d, V]). */
function firstHeads(logits, n, k, d, vocab) {
  const out = new Float32Array(n * d * vocab);
  for (let r = 0; r < n; r++) out.set(logits.subarray(r * k * vocab, (r * k + d) * vocab), r * d * vocab);
  return out;
}

function causalMask(ort, T, P) {
  const m = new Float32Array(T * (P + T));
  for (let t = 0; t < T; t++) for (let s = 0; s < P + T; s++) m[t * (P + T) + s] = s <= P + t ? 0 : -10000;
  return new ort.Tensor("float32", m, [1, 1, T, P + T]);
}

function feeds(ort, arch, { ids, pos, mask, past }) {
  const T = ids.length;
  const out = { input_ids: new ort.Tensor("int64", i64(ids), [1, T]), position_ids: new ort.Tensor("int64", i64(pos), [1, T]), attention_mask: mask };
  for (let i = 0; i < arch.n_layers; i++) {
    for (const kind of ["key", "value"]) {
      out[`past.${i}.${kind}`] = past?.[`new.${i}.${kind}`] ?? new ort.Tensor("float32", new Float32Array(0), [1, arch.n_kv_heads, 0, arch.head_dim]);
    }
  }
  return out;
}

export async function runParity(ort, dir, sessionOptions = {}) {
  const fx = JSON.parse(fs.readFileSync(path.join(dir, "parity.json"), "utf8"));
  const arch = fx.architecture;
  const load = (file) => ort.InferenceSession.create(fs.readFileSync(path.join(dir, file)), sessionOptions);
  const base = await load(fx.files.base);
  const P = fx.prefill.input_ids.length;
  const pre = await base.run(feeds(ort, arch, { ids: fx.prefill.input_ids, pos: fx.prefill.position_ids, mask: causalMask(ort, P, 0) }));
  const T = fx.tree.input_ids.length;
  const mask = new ort.Tensor("float32", f32(fx.tree.attention_mask), [1, 1, T, P + T]);
  const tree = await base.run(feeds(ort, arch, { ids: fx.tree.input_ids, pos: fx.tree.position_ids, mask, past: pre }));
  const result = {
    prefill_logits: maxAbsDiff(pre.logits.data, f32(fx.prefill.logits)),
    tree_logits: maxAbsDiff(tree.logits.data, f32(fx.tree.logits)),
    tree_hidden_states: maxAbsDiff(tree.hidden_states.data, f32(fx.tree.hidden_states)),
  };
  const h = f32(fx.heads.hidden_states);
  const n = h.length / arch.d_model;
  for (const kind of ["cerberus", "medusa"]) {
    const heads = await load(fx.files[kind]);
    const expected = f32(fx.heads[kind]);
    const hidden = new ort.Tensor("float32", h, [n, arch.d_model]);
    // A graph with the optional num_heads input (depth_heads.py) is checked at every depth: the first d
    // heads of the full output. Its width is V, or the shortlist's size (shortlist_heads.py).
    const selectable = heads.inputNames.includes("num_heads");
    // Root heads (heads.py) also read the token the base model chose at that row.
    const feeds = { hidden_states: hidden };
    if (heads.inputNames.includes("root_token")) feeds.root_token = new ort.Tensor("int64", BigInt64Array.from(fx.heads.root_token, BigInt), [n]);
    const run = (d) => heads.run(selectable ? { ...feeds, num_heads: new ort.Tensor("int64", BigInt64Array.of(BigInt(d)), []) } : feeds);
    const full = (await run(2 ** 31)).head_logits;
    const [, k, width] = full.dims;
    result[`heads_${kind}`] = maxAbsDiff(full.data, expected);
    for (let d = 1; selectable && d < k; d++) {
      const out = await run(d);
      result[`heads_${kind}`] = Math.max(result[`heads_${kind}`], maxAbsDiff(out.head_logits.data, firstHeads(expected, n, k, d, width)));
    }
  }
  return { result, tolerance: fx.tolerance };
}

export async function loadWebOrt() {
  const ort = await import("onnxruntime-web");
  ort.env.wasm.numThreads = 1;  // no worker threads: behaves the same in Node, workerd and Deno
  return ort;
}

async function main() {
  const dir = process.argv[2];
  if (!dir || dir === "--help") {
    console.log("usage: node models/tools/parity.mjs <model-folder>\nReplays parity.json in onnxruntime-node and onnxruntime-web; prints max |Δ| per check.");
    process.exit(dir ? 0 : 2);
  }
  const node = await runParity(await import("onnxruntime-node"), dir);
  const web = await runParity(await loadWebOrt(), dir);
  const worst = Math.max(...Object.values(node.result), ...Object.values(web.result));
  console.log(JSON.stringify({ node: node.result, web: web.result, max: worst, tolerance: node.tolerance }));
  process.exit(worst <= node.tolerance ? 0 : 1);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
