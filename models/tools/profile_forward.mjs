// Where a T = 1 decoder step's time goes, per operator type, from onnxruntime-node's own profiler.
//   node models/tools/profile_forward.mjs <base.onnx> [past = 128] [steps = 300] [threads = 1]
// (the model folder's manifest.json gives the cache shape). Prints a Markdown table: kernels per step and microseconds per step by op type (the profiler's
// kernel times; its own overhead inflates every row, so compare files with each other, not with wall time).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import ort from "onnxruntime-node";

const [file, past = "128", steps = "300", threads = "1"] = process.argv.slice(2);
if (!file) {
  console.error("usage: node models/tools/profile_forward.mjs <base.onnx> [past] [steps] [threads]");
  process.exit(2);
}
const model = fs.readFileSync(file);
const prefix = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ort-prof-")), "p");
const session = await ort.InferenceSession.create(model, {
  graphOptimizationLevel: "all", intraOpNumThreads: Number(threads), enableProfiling: true, profileFilePrefix: prefix,
  extra: { session: { intra_op: { allow_spinning: "0" } } },
});
const P = Number(past);
const pastInputs = session.inputNames.filter((n) => n.startsWith("past."));
const arch = JSON.parse(fs.readFileSync(path.join(path.dirname(file), "manifest.json"), "utf8")).architecture;
const [H, Dh] = [arch.n_kv_heads, arch.head_dim];
const cache = new Float32Array(H * P * Dh).map((_, i) => Math.sin(i));

function feedsFor(p, dims) {
  const feeds = {
    input_ids: new ort.Tensor("int64", BigInt64Array.from([7n]), [1, 1]),
    position_ids: new ort.Tensor("int64", BigInt64Array.from([BigInt(p)]), [1, 1]),
    attention_mask: new ort.Tensor("float32", new Float32Array(p + 1), [1, 1, 1, p + 1]),
  };
  for (const name of pastInputs) feeds[name] = new ort.Tensor("float32", cache, dims);
  return feeds;
}

for (let s = 0; s < Number(steps); s++) await session.run(feedsFor(P, [1, H, P, Dh]));
session.endProfiling();  // onnxruntime-node returns nothing here: the file is the only one under prefix's folder
const dir = path.dirname(prefix);
const events = JSON.parse(fs.readFileSync(path.join(dir, fs.readdirSync(dir)[0]), "utf8"));
const runs = events.filter((e) => e.cat === "Session" && e.name === "model_run").length;
const byOp = new Map();
for (const e of events) {
  if (e.cat !== "Node" || !e.name.endsWith("_kernel_time")) continue;
  const op = e.args.op_name;
  const cur = byOp.get(op) ?? { us: 0, n: 0 };
  cur.us += e.dur;
  cur.n += 1;
  byOp.set(op, cur);
}
const rows = [...byOp].sort((a, b) => b[1].us - a[1].us);
const total = rows.reduce((s, [, v]) => s + v.us, 0) / runs;
const kernels = rows.reduce((s, [, v]) => s + v.n, 0) / runs;
console.log(`${path.basename(file)}: P = ${P}, ${threads} thread(s), ${runs} runs: ${kernels.toFixed(0)} kernels, ${total.toFixed(0)} µs of kernel time per step`);
console.log("| op | kernels/step | µs/step | share |\n|---|---|---|---|");
for (const [op, v] of rows) console.log(`| ${op} | ${(v.n / runs).toFixed(0)} | ${(v.us / runs).toFixed(1)} | ${((100 * v.us) / runs / total).toFixed(1)} % |`);
