// ../../tmp/prof/prof.ts
import { readFile as readFile2 } from "node:fs/promises";
import { resolve } from "node:path";

// src/model/manifest.ts
import { z } from "zod";

// src/errors.ts
var EngineError = class extends Error {
  name = "EngineError";
  code;
  /** The model file concerned, for load errors. */
  file;
  constructor(code, message, options = {}) {
    super(message, options.cause === void 0 ? void 0 : { cause: options.cause });
    this.code = code;
    this.file = options.file;
  }
};

// src/model/manifest.ts
var positiveInt = z.number().int().positive();
var probability = z.number().min(0).max(1);
var treePaths = z.array(z.array(z.number().int().nonnegative()).min(1));
var treesByClass = z.object({ wasm: treePaths, native: treePaths, gpu: treePaths });
var costCurve = z.array(z.tuple([z.number().int().min(1), z.number().min(1)])).min(2).refine((pts) => pts[0][0] === 1 && pts.every((p, i) => i === 0 || p[0] > pts[i - 1][0]), "tokens must start at 1 and increase");
var stepCosts = z.object({
  forward: costCurve,
  heads: z.object({ cerberus: z.array(z.number().positive()).min(1).optional(), medusa: z.array(z.number().positive()).min(1).optional() })
}).strict();
var stepCostsByClass = z.object({ wasm: stepCosts.optional(), native: stepCosts.optional(), gpu: stepCosts.optional(), kernel: stepCosts.optional() });
var headsSchema = z.object({
  file: z.string().min(1),
  num_heads: positiveInt,
  /** Against the base model's greedy chain on valid text: what greedy verification accepts. */
  valid_top1: z.array(probability),
  valid_top5: z.array(probability),
  /** rank_accuracy[k][r]: share of positions where head k's rank-r token is the greedy one. */
  rank_accuracy: z.array(z.array(probability)).optional(),
  /** This head kind's own best static trees (else the top-level `trees`). */
  trees: treesByClass.optional(),
  /**
   * Set by models/tools/shortlist_heads.py: the graph projects onto `size` vocabulary ids only, and its
   * head_logits are [N, K, size], column j standing for token `ids[j]`. (Models shortlisted before `ids`
   * existed scattered back into V columns, every other id at `masked_value`; a V-wide output needs no ids.)
   */
  shortlist: z.object({
    size: positiveInt,
    ids: z.array(z.number().int().nonnegative()).optional(),
    masked_value: z.number().max(-1e3).optional(),
    train_coverage: probability.optional(),
    greedy_coverage: probability.optional()
  }).refine((s) => s.ids === void 0 || s.ids.length === s.size, { message: "shortlist.ids needs size entries" }).refine((s) => s.ids === void 0 || s.ids.every((id, i) => i === 0 || id > s.ids[i - 1]), { message: "shortlist.ids must increase" }).optional()
});
var manifestSchema = z.object({
  format: z.literal("cerberus-edge-model/1"),
  name: z.string().min(1),
  architecture: z.object({
    vocab_size: positiveInt,
    d_model: positiveInt,
    n_layers: positiveInt,
    n_heads: positiveInt,
    n_kv_heads: positiveInt,
    head_dim: positiveInt,
    ffn_hidden: positiveInt,
    max_positions: positiveInt,
    rope_theta: z.number().positive(),
    /** RMSNorm's epsilon (the fused kernel reads it from a traced base, which does not carry it). */
    norm_eps: z.number().positive().optional(),
    parameters: positiveInt
  }),
  tokenizer: z.object({
    file: z.string().min(1),
    eos_token_id: z.number().int().nonnegative(),
    eos_token: z.string().min(1),
    /** tokenizers.js's second constructor argument (carries clean_up_tokenization_spaces: false). */
    config: z.record(z.string(), z.unknown()).optional()
  }),
  base: z.object({
    file: z.string().min(1),
    mask_value: z.number().max(-1e3),
    /** Other files with the same contract and weights in another precision (models/tools/quantize.py). */
    variants: z.record(
      z.string().min(1),
      z.object({
        file: z.string().min(1),
        weights: z.string().optional(),
        /** The heads graphs in the same precision, used with this variant where listed. */
        heads: z.object({ cerberus: z.string().min(1).optional(), medusa: z.string().min(1).optional() }).optional(),
        valid_ppl: z.number().positive().optional(),
        valid_ppl_fp32: z.number().positive().optional(),
        /** Forwards of fewer tokens run padded to this many (src/runtime/padded-forward.ts says why). */
        min_rows_per_run: positiveInt.optional(),
        /** 'chains': parallel steps verify causal blocks only (src/decoding/tree-policy.ts, TreeShape, says why). */
        tree_shape: z.enum(["any", "chains"]).optional(),
        /** This variant's own step costs (as `step_costs`, in its own AR steps). */
        step_costs: stepCostsByClass.optional()
      })
    ).optional()
  }),
  heads: z.object({ cerberus: headsSchema.optional(), medusa: headsSchema.optional() }),
  files: z.record(z.string(), z.object({ bytes: z.number().int().nonnegative(), sha256: z.string().regex(/^[0-9a-f]{64}$/) })),
  trees: treesByClass,
  gate: z.object({
    default_threshold: z.number().nonnegative(),
    calibration: z.object({
      head_kind: z.enum(["cerberus", "medusa"]),
      bin_edges: z.array(z.number().nonnegative()).min(2),
      mean_accepted: z.array(z.number().nonnegative()),
      count: z.array(z.number().int().nonnegative())
    })
  }),
  /**
   * The cost curves the tools sized the static trees and the gate's default with: cost(T)/cost(1) per
   * backend class. The engine falls back to them where it cannot time the backend (workerd), so the
   * tools and the engine trade off with one curve.
   */
  cost_curves: z.object({ wasm: costCurve.optional(), native: costCurve.optional(), gpu: costCurve.optional() }).optional(),
  /** The fp32 base's step costs per backend class (models/tools/step_costs.py); preferred to `cost_curves`. */
  step_costs: stepCostsByClass.optional(),
  training: z.record(z.string(), z.unknown()).optional(),
  parity: z.object({ file: z.string().min(1) }).optional()
}).superRefine((m, ctx) => {
  const cal = m.gate.calibration;
  const bins = cal.bin_edges.length - 1;
  if (cal.mean_accepted.length !== bins || cal.count.length !== bins) {
    ctx.addIssue({ code: "custom", path: ["gate", "calibration"], message: `needs ${bins} bins (bin_edges.length - 1)` });
  }
  if (cal.bin_edges.some((e, i) => i > 0 && e <= cal.bin_edges[i - 1])) {
    ctx.addIssue({ code: "custom", path: ["gate", "calibration", "bin_edges"], message: "must increase" });
  }
  if (m.tokenizer.eos_token_id >= m.architecture.vocab_size) {
    ctx.addIssue({ code: "custom", path: ["tokenizer", "eos_token_id"], message: "must be < vocab_size" });
  }
  const variants = Object.values(m.base.variants ?? {}).flatMap((v) => [v.file, v.heads?.cerberus, v.heads?.medusa]);
  const named = [m.base.file, ...variants, m.tokenizer.file, m.heads.cerberus?.file, m.heads.medusa?.file];
  for (const file of named) {
    if (file !== void 0 && !(file in m.files)) {
      ctx.addIssue({ code: "custom", path: ["files"], message: `${file} is used but has no size/sha256 entry` });
    }
  }
  for (const [kind, heads] of Object.entries(m.heads)) {
    const last = heads?.shortlist?.ids?.at(-1);
    if (last !== void 0 && last >= m.architecture.vocab_size) {
      ctx.addIssue({ code: "custom", path: ["heads", kind, "shortlist", "ids"], message: "must be < vocab_size" });
    }
  }
  if (m.heads.cerberus === void 0 && m.heads.medusa === void 0) {
    ctx.addIssue({ code: "custom", path: ["heads"], message: "at least one head kind" });
  }
});
function parseManifest(bytes) {
  let json;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw new EngineError("invalid-manifest", "manifest.json is not valid JSON", { file: "manifest.json", cause });
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    throw new EngineError(
      "invalid-manifest",
      `manifest.json does not follow docs/model-contract.md:
${z.prettifyError(parsed.error)}`,
      { file: "manifest.json", cause: parsed.error }
    );
  }
  return parsed.data;
}

// src/runtime/binding.ts
var HEAD_KINDS = ["cerberus", "medusa"];

// src/runtime/environment.ts
function detectRuntime(host) {
  const isWorkerd = host.navigator?.userAgent === "Cloudflare-Workers";
  const isDeno = !isWorkerd && typeof host.Deno?.version?.deno === "string";
  const isNode = !isWorkerd && !isDeno && typeof host.process?.versions?.node === "string";
  const hasWebGpu = host.navigator?.gpu !== void 0 && host.navigator.gpu !== null;
  return Object.freeze({ isWorkerd, isDeno, isNode, hasWebGpu });
}
var RUNTIME = detectRuntime(globalThis);

// src/runtime/errors.ts
var BindingError = class extends Error {
  constructor(code, message, options) {
    super(message, options);
    this.code = code;
  }
  name = "BindingError";
};

// src/runtime/padded-forward.ts
function firstRows(x, total, rows, heads, dh) {
  const out = new Float32Array(heads * rows * dh);
  for (let h = 0; h < heads; h++) out.set(x.subarray(h * total * dh, h * total * dh + rows * dh), h * rows * dh);
  return out;
}
async function forwardWithMinRows(run, input, arch, minRows, blocked) {
  const t = input.inputIds.length;
  if (t >= minRows) return run(input);
  const p = input.pastLength;
  const n = minRows;
  const mask = new Float32Array(n * (p + n)).fill(blocked);
  for (let r = 0; r < n; r++) {
    const from = Math.min(r, t - 1);
    mask.set(input.mask.subarray(from * (p + t), from * (p + t) + p + t), r * (p + n));
    if (r >= t) mask[r * (p + n) + p + r] = 0;
  }
  const ids = Array.from(input.inputIds);
  const pos = Array.from(input.positionIds);
  const out = await run({
    inputIds: [...ids, ...Array(n - t).fill(ids[t - 1])],
    positionIds: [...pos, ...Array(n - t).fill(pos[t - 1])],
    mask,
    past: input.past,
    pastLength: p
  });
  const { n_kv_heads: heads, head_dim: dh } = arch;
  return {
    logits: out.logits.slice(0, t * arch.vocab_size),
    hidden: out.hidden.slice(0, t * arch.d_model),
    present: out.present.map((kv) => ({ key: firstRows(kv.key, n, t, heads, dh), value: firstRows(kv.value, n, t, heads, dh) })),
    modelMs: out.modelMs
  };
}

// src/runtime/serial-queue.ts
var SerialQueue = class {
  tail = Promise.resolve();
  run(task) {
    const result = this.tail.then(task);
    this.tail = result.catch(() => void 0);
    return result;
  }
};

// src/runtime/architecture.ts
function kvSize(arch, positions) {
  return arch.n_kv_heads * positions * arch.head_dim;
}

// src/runtime/validate.ts
function invalid(message) {
  throw new BindingError("invalid-input", message);
}
function isCount(value, min) {
  return Number.isInteger(value) && value >= min;
}
function validateArchitecture(arch) {
  for (const key of ["vocab_size", "d_model", "n_layers", "n_kv_heads", "head_dim"]) {
    if (!isCount(arch[key], 1)) {
      invalid(`architecture.${key} must be a positive integer, got ${String(arch[key])}`);
    }
  }
}
function validateForward(arch, input) {
  const t = input.inputIds.length;
  const p = input.pastLength;
  if (t < 1) invalid("inputIds is empty: a forward needs at least one query token");
  if (!isCount(p, 0)) invalid(`pastLength must be a non-negative integer, got ${p}`);
  if (input.positionIds.length !== t) {
    invalid(`positionIds has ${input.positionIds.length} entries, expected one per input token (${t})`);
  }
  for (let i = 0; i < t; i++) {
    const id = input.inputIds[i];
    if (!Number.isInteger(id) || id < 0 || id >= arch.vocab_size) {
      invalid(`inputIds[${i}] = ${id} is not a token id in [0, ${arch.vocab_size})`);
    }
    const position = input.positionIds[i];
    if (!isCount(position, 0)) invalid(`positionIds[${i}] = ${position} is not a non-negative integer`);
  }
  if (input.mask.length !== t * (p + t)) {
    invalid(`mask has ${input.mask.length} entries, expected T*(P+T) = ${t}*(${p}+${t}) = ${t * (p + t)}`);
  }
  if (input.past.length !== arch.n_layers) {
    invalid(`past has ${input.past.length} layers, the model has ${arch.n_layers}`);
  }
  const expected = kvSize(arch, p);
  input.past.forEach((layer, i) => {
    if (layer.key.length !== expected || layer.value.length !== expected) {
      invalid(
        `past[${i}] holds ${layer.key.length} key / ${layer.value.length} value floats, expected H_kv*P*D_h = ${arch.n_kv_heads}*${p}*${arch.head_dim} = ${expected} (pastLength = ${p})`
      );
    }
  });
}
function validateHeads(arch, hidden, n, depth, roots) {
  if (!isCount(n, 1)) invalid(`heads needs n >= 1 hidden states, got ${n}`);
  if (depth !== void 0 && !isCount(depth, 1)) invalid(`heads depth must be an integer >= 1, got ${depth}`);
  if (hidden.length !== n * arch.d_model) {
    invalid(`hidden has ${hidden.length} floats, expected n*d_model = ${n}*${arch.d_model} = ${n * arch.d_model}`);
  }
  if (roots === null) invalid("these heads read the root token: pass one root token id per hidden state");
  if (roots !== void 0) {
    if (roots.length !== n) invalid(`roots has ${roots.length} ids, expected one per hidden state (${n})`);
    for (let i = 0; i < n; i++) {
      if (!isCount(roots[i], 0) || roots[i] >= arch.vocab_size) invalid(`root token ${roots[i]} is not a token id (vocab ${arch.vocab_size})`);
    }
  }
}

// src/runtime/ort-binding.ts
var QueuedSession = class {
  constructor(session) {
    this.session = session;
  }
  queue = new SerialQueue();
  /** Runs and times one call; the time excludes waiting in the queue. */
  run(feeds) {
    return this.queue.run(async () => {
      const start = performance.now();
      const outputs = await this.session.run(feeds);
      return { outputs, ms: performance.now() - start };
    });
  }
  release() {
    return this.queue.run(() => this.session.release());
  }
};
function float32Output(outputs, name, dims) {
  const tensor = outputs[name];
  if (tensor === void 0 || tensor.type !== "float32") {
    throw new BindingError("model-contract", `output ${name} is missing or not float32`);
  }
  if (tensor.dims.length !== dims.length || tensor.dims.some((d, i) => d !== dims[i])) {
    throw new BindingError(
      "model-contract",
      `output ${name} has shape [${tensor.dims.join(", ")}], expected [${dims.join(", ")}]`
    );
  }
  return tensor.data;
}
function createOrtBinding(parts) {
  const { ort, architecture: arch, backend } = parts;
  const base = parts.sessions.base === void 0 ? void 0 : new QueuedSession(parts.sessions.base);
  const heads = new Map([...parts.sessions.heads].map(([kind, session]) => [kind, new QueuedSession(session)]));
  const withInput = (name) => new Set([...parts.sessions.heads].filter(([, s]) => s.inputNames.includes(name)).map(([kind]) => kind));
  const depthSelectable = withInput("num_heads");
  const rootReading = withInput("root_token");
  const fullDepth = (kind) => arch.decoding_heads?.[kind];
  let disposed = false;
  function assertLive() {
    if (disposed) throw new BindingError("disposed", `the ${backend} binding was disposed; create a new one`);
  }
  async function runOrThrow(session, what, feeds) {
    try {
      return await session.run(feeds);
    } catch (cause) {
      throw new BindingError("runtime-failure", `${backend} ${what} failed: ${String(cause)}`, { cause });
    }
  }
  async function forward2(input) {
    assertLive();
    validateForward(arch, input);
    return forwardWithMinRows(forwardOnce, input, arch, parts.minRowsPerRun ?? 1, parts.maskValue ?? -1e4);
  }
  async function forwardOnce(input) {
    if (base === void 0) throw new BindingError("model-contract", `this ${backend} binding was created for the heads only`);
    if ((input.pastLayout ?? "heads") !== "heads") {
      throw new BindingError("invalid-input", `${backend} reads a past in the contract's [H_kv, P, D_h] layout only, got ${input.pastLayout}`);
    }
    const t = input.inputIds.length;
    const p = input.pastLength;
    const kvDims = [1, arch.n_kv_heads, p, arch.head_dim];
    const feeds = {
      input_ids: new ort.Tensor("int64", BigInt64Array.from(input.inputIds, BigInt), [1, t]),
      position_ids: new ort.Tensor("int64", BigInt64Array.from(input.positionIds, BigInt), [1, t]),
      attention_mask: new ort.Tensor("float32", input.mask, [1, 1, t, p + t])
    };
    input.past.forEach((layer, i) => {
      feeds[`past.${i}.key`] = new ort.Tensor("float32", layer.key, kvDims);
      feeds[`past.${i}.value`] = new ort.Tensor("float32", layer.value, kvDims);
    });
    const { outputs, ms } = await runOrThrow(base, "forward", feeds);
    const newDims = [1, arch.n_kv_heads, t, arch.head_dim];
    const present = [];
    for (let i = 0; i < arch.n_layers; i++) {
      present.push({
        key: float32Output(outputs, `new.${i}.key`, newDims),
        value: float32Output(outputs, `new.${i}.value`, newDims)
      });
    }
    return {
      logits: float32Output(outputs, "logits", [1, t, arch.vocab_size]),
      hidden: float32Output(outputs, "hidden_states", [1, t, arch.d_model]),
      present,
      modelMs: ms
    };
  }
  async function runHeads2(kind, hidden, n, depth, roots) {
    assertLive();
    const session = heads.get(kind);
    if (session === void 0) {
      throw new BindingError(
        "missing-heads",
        `no ${kind} heads loaded; this binding has: ${[...heads.keys()].join(", ") || "none"}`
      );
    }
    const readsRoot = rootReading.has(kind);
    validateHeads(arch, hidden, n, depth, readsRoot ? roots ?? null : void 0);
    const k = fullDepth(kind);
    const feeds = { hidden_states: new ort.Tensor("float32", hidden, [n, arch.d_model]) };
    if (readsRoot) feeds["root_token"] = new ort.Tensor("int64", BigInt64Array.from(roots, BigInt), [n]);
    const selectable = depthSelectable.has(kind);
    if (selectable) feeds["num_heads"] = new ort.Tensor("int64", BigInt64Array.of(BigInt(depth ?? k ?? 2 ** 31)), []);
    const { outputs, ms } = await runOrThrow(session, `${kind} heads`, feeds);
    const dims = outputs["head_logits"]?.dims ?? [];
    const expected = k === void 0 ? dims[1] ?? 0 : selectable && depth !== void 0 ? Math.min(depth, k) : k;
    const columns = arch.head_columns?.[kind];
    const width = columns !== void 0 && dims[2] === columns ? columns : arch.vocab_size;
    return { logits: float32Output(outputs, "head_logits", [n, expected, width]), width, modelMs: ms };
  }
  return {
    backend,
    backendClass: parts.backendClass,
    headKinds: Object.freeze([...heads.keys()]),
    depthSelectable: Object.freeze([...depthSelectable]),
    rootReading: Object.freeze([...rootReading]),
    forward: forward2,
    heads: runHeads2,
    async dispose() {
      if (disposed) return;
      disposed = true;
      await Promise.all([...base === void 0 ? [] : [base], ...heads.values()].map((session) => session.release()));
    }
  };
}

// src/runtime/ort-sessions.ts
function baseInputNames(arch) {
  const names = ["input_ids", "position_ids", "attention_mask"];
  for (let i = 0; i < arch.n_layers; i++) names.push(`past.${i}.key`, `past.${i}.value`);
  return names;
}
function baseOutputNames(arch) {
  const names = ["logits", "hidden_states"];
  for (let i = 0; i < arch.n_layers; i++) names.push(`new.${i}.key`, `new.${i}.value`);
  return names;
}
function checkNames(what, kind, actual, expected) {
  const missing = expected.filter((name) => !actual.includes(name));
  const extra = actual.filter((name) => !expected.includes(name));
  if (missing.length > 0 || extra.length > 0) {
    throw new BindingError(
      "model-contract",
      `${what} ${kind} do not match docs/model-contract.md` + (missing.length > 0 ? `; missing: ${missing.join(", ")}` : "") + (extra.length > 0 ? `; unexpected: ${extra.join(", ")}` : "") + " (does architecture.n_layers match the model?)"
    );
  }
}
async function createSession(ort, what, bytes, options) {
  try {
    return await ort.InferenceSession.create(bytes, options);
  } catch (cause) {
    throw new BindingError("runtime-failure", `cannot load ${what}: ${String(cause)}`, { cause });
  }
}
async function createModelSessions(ort, arch, bytes, options, headsOptions = options) {
  const created = [];
  try {
    let base;
    if (bytes.base !== void 0) {
      base = await createSession(ort, "base.onnx", bytes.base, options);
      created.push(base);
      checkNames("base.onnx", "inputs", base.inputNames, baseInputNames(arch));
      checkNames("base.onnx", "outputs", base.outputNames, baseOutputNames(arch));
    }
    const heads = /* @__PURE__ */ new Map();
    for (const [kind, headBytes] of Object.entries(bytes.heads)) {
      if (headBytes === void 0) continue;
      const session = await createSession(ort, `heads-${kind}.onnx`, headBytes, headsOptions);
      created.push(session);
      const optional = ["root_token", "num_heads"].filter((name) => session.inputNames.includes(name));
      checkNames(`heads-${kind}.onnx`, "inputs", session.inputNames, ["hidden_states", ...optional]);
      checkNames(`heads-${kind}.onnx`, "outputs", session.outputNames, ["head_logits"]);
      heads.set(kind, session);
    }
    return base === void 0 ? { heads } : { base, heads };
  } catch (error) {
    await Promise.allSettled(created.map((session) => session.release()));
    throw error;
  }
}

// src/runtime/backend-native.ts
var NATIVE_PACKAGE = "onnxruntime-node";
var loading;
var cudaUnavailable;
async function importNative() {
  if (!RUNTIME.isNode && !RUNTIME.isDeno) {
    throw new BindingError("backend-unavailable", "onnxruntime-node runs in Node and Deno only");
  }
  try {
    const namespace = await import(
      /* @vite-ignore */
      NATIVE_PACKAGE
    );
    return namespace.default ?? namespace;
  } catch (cause) {
    throw new BindingError("backend-unavailable", `onnxruntime-node does not load here: ${String(cause)}`, { cause });
  }
}
function loadNative() {
  loading ??= importNative();
  return loading;
}
var DEFAULT_NATIVE_THREADS = 1;
async function createNativeBinding(arch, bytes, options) {
  const ort = await loadNative();
  if (options.cuda && cudaUnavailable !== void 0) throw cudaUnavailable;
  if (options.cuda && !(ort.listSupportedBackends?.() ?? []).some((b) => b.name === "cuda")) {
    cudaUnavailable = new BindingError("backend-unavailable", "this onnxruntime-node build has no CUDA execution provider");
    throw cudaUnavailable;
  }
  const sessionOptions = {
    executionProviders: [options.cuda ? "cuda" : "cpu"],
    graphOptimizationLevel: "all",
    // ORT's intra-op workers spin-wait after every op by default. With more than one thread on a small
    // shared machine the spinning worker takes the core the JS thread and other jobs need: measured on
    // tinystories-6m (2 cores, default threads) AR 3.7–5.5 ms/step with spinning, 1.5–2.7 without, and
    // T = 8–16 tree forwards 1.9–2.8 AR steps instead of the start-up curve's 1.1–1.6.
    // Opt back in (`spinning: true`) on dedicated cores, where it is what makes a second thread pay.
    extra: { session: { intra_op: { allow_spinning: options.spinning === true ? "1" : "0" } } },
    intraOpNumThreads: options.threads ?? DEFAULT_NATIVE_THREADS
  };
  const headsOptions = { ...sessionOptions, intraOpNumThreads: 1, extra: { session: { intra_op: { allow_spinning: "0" } } } };
  try {
    const sessions = await createModelSessions(ort, arch, bytes, sessionOptions, headsOptions);
    return createOrtBinding({
      backend: options.cuda ? "native-cuda" : "native-cpu",
      backendClass: options.cuda ? "gpu" : "native",
      ort,
      architecture: arch,
      sessions,
      ...options.minRowsPerRun === void 0 ? {} : { minRowsPerRun: options.minRowsPerRun }
    });
  } catch (error) {
    if (options.cuda && error instanceof BindingError && error.code === "runtime-failure") {
      await blameCudaOrModel(ort, arch, bytes, { ...sessionOptions, executionProviders: ["cpu"] }, error);
    }
    throw error;
  }
}
async function blameCudaOrModel(ort, arch, bytes, cpuOptions, cudaError) {
  const cpu = await createModelSessions(ort, arch, bytes, cpuOptions);
  await Promise.allSettled([...cpu.base === void 0 ? [] : [cpu.base], ...cpu.heads.values()].map((session) => session.release()));
  cudaUnavailable = new BindingError("backend-unavailable", `CUDA execution provider failed to start: ${cudaError.message}`, {
    cause: cudaError
  });
  throw cudaUnavailable;
}

// src/runtime/wasm-module.ts
var WASM_FILE = "onnxruntime-web/ort-wasm-simd-threaded.wasm";
var provided;
var started = false;
var starting;
async function compileFromPackage() {
  const moduleSpecifier = "node:module";
  const fsSpecifier = "node:fs/promises";
  const { createRequire } = await import(
    /* @vite-ignore */
    moduleSpecifier
  );
  const { readFile: readFile3 } = await import(
    /* @vite-ignore */
    fsSpecifier
  );
  const path = createRequire(import.meta.url).resolve(WASM_FILE);
  const wasm = WebAssembly;
  return wasm.compile(await readFile3(path));
}
async function resolveModule() {
  if (typeof provided === "function") return provided();
  if (provided !== void 0) return provided;
  if (RUNTIME.isNode || RUNTIME.isDeno) return compileFromPackage();
  throw new BindingError(
    "backend-unavailable",
    "onnxruntime-web has no wasm module: in workerd, `import ortWasm from '" + WASM_FILE + "'` in the worker entry and call provideWasmModule(ortWasm) before creating a binding"
  );
}
function installSeam(module, sentinel) {
  const original = WebAssembly.instantiate;
  const seam = function instantiatePrecompiled(source, imports) {
    if (ArrayBuffer.isView(source) && source.buffer === sentinel) {
      return original(module, imports).then((instance) => ({ instance, module }));
    }
    return original(source, imports);
  };
  WebAssembly.instantiate = seam;
  return () => {
    WebAssembly.instantiate = original;
  };
}
async function withOrtWasm(flags, use) {
  while (!started && starting !== void 0) await starting.catch(() => void 0);
  if (started) return use();
  const attempt = startWith(flags, use);
  starting = attempt;
  try {
    return await attempt;
  } finally {
    starting = void 0;
  }
}
async function startWith(flags, use) {
  const module = await resolveModule();
  const sentinel = new ArrayBuffer(8);
  flags.numThreads = 1;
  flags.proxy = false;
  flags.wasmBinary = sentinel;
  const restore = installSeam(module, sentinel);
  try {
    return await use();
  } finally {
    restore();
    started = true;
  }
}

// src/runtime/backend-wasm.ts
async function createWasmBinding(arch, bytes) {
  const ort = await import("onnxruntime-web/wasm");
  const sessions = await withOrtWasm(
    ort.env.wasm,
    () => createModelSessions(ort, arch, bytes, { executionProviders: ["wasm"], graphOptimizationLevel: "all" })
  );
  return createOrtBinding({ backend: "wasm", backendClass: "wasm", ort, architecture: arch, sessions });
}

// src/runtime/kernel/decoder-wasm.ts
var DECODER_WASM_BASE64 = "AGFzbQEAAAABcgpgBH9/f38AYAl/f39/f39/f38AYAh/f39/f39/fQBgBn9/f39/fQBgBX9/f39/AGAGf39/f39/AGAKf39/f39/f39/fwBgDH9/f39/f39/f31/fwBgA39/fwBgFH9/f39/f39/f39/fX9/f39/f39/AAISAQNlbnYGbWVtb3J5AgMBgIABAw8OAAABAgMEAAUGAQcICQAHoAEOBm1hdG11bAAJCXVucGFja1JvdwAAB3Jtc05vcm0ABAZyb3RhcnkAAwlhdHRlbnRpb24ADAZzd2lnbHUAAQdhZGRSb3dzAA0Kc3BsaXRIZWFkcwACDHF1YW50aXplUm93cwAHB21hdG11bFEACAxyZXNpZHVhbFNpbHUABQhiaWFzU2lsdQALDHJlc2lkdWFsQmlhcwAGBm1lbW9yeQIACsVHDkkBAX8gACACQQJ0IgIgAUF8cWxqIAFBA3FBBHRqIQADQCACIARLBEAgAyAEaiAA/QAEAP0LBAAgAEFAayEAIARBEGohBAwBCwsL/wMCBHsEfyACQQJ0IQgDQCADIAlKBEAgACAJIAhBAXRsaiEKIAEgCCAJbGohC0EAIQIDQCACIAhJBEAgAiAKav0ABAAiB/3hASIF/Qyama7CmpmuwpqZrsKama7C/ekB/QyambBCmpmwQpqZsEKambBC/egBIgb9DDuquD87qrg/O6q4PzuquD/95gH9aiEEIAIgC2ogB/0MAACAPwAAgD8AAIA/AACAP/0MZ2lQOWdpUDlnaVA5Z2lQOSAGIAT9DACAMT8AgDE/AIAxPwCAMT/95gH95QEgBP0Mg4BeuYOAXrmDgF65g4Beuf3mAf3lASIG/eYB/QzOQ7c6zkO3Os5DtzrOQ7c6/eQBIAb95gH9DAiJCDwIiQg8CIkIPAiJCDz95AEgBv3mAf0MwakqPcGpKj3BqSo9wakqPf3kASAG/eYB/Qyqqio+qqoqPqqqKj6qqio+/eQBIAb95gH9DAAAAD8AAAA/AAAAPwAAAD/95AEgBv3mASAG/eYBIAb95AH9DAAAgD8AAIA/AACAPwAAgD/95AEgBP34Af0MfwAAAH8AAAB/AAAAfwAAAP2uAUEX/asB/eYBIAX9DJqZrsKama7CmpmuwpqZrsL9Q/1P/eQB/ecBIAggCmogAmr9AAQA/eYB/QsEACACQRBqIQIMAQsLIAlBAWohCQwBCwsLgAEBBX8gBkECdCEJA0AgBCAKSgRAIAAgASAKbEECdGohC0EAIQYDQCAFIAZKBEAgBCAGbCAKaiAJbCIMIAdqIAYgCWwiDSALIAJBAnRqaiAJ/AoAACAIIAxqIAsgA0ECdGogDWogCfwKAAAgBkEBaiEGDAELCyAKQQFqIQoMAQsLC84BAgp/BH0gBEEBdSELA0AgAiAJSgRAIAkgC2xBAnQiCCAFaiEPIAYgCGohEEEAIQgDQCADIAhKBEAgACABIAlsIAQgCGxqQQJ0aiERQQAhCgNAIAogC0gEQCARIApBAnQiDGoiDSALQQJ0aiEOIA0gDSoCACISIAwgD2oqAgAgB5QiE5QgDioCACIUIAwgEGoqAgAgB5QiFZSTOAIAIA4gFCATlCASIBWUkjgCACAKQQFqIQoMAQsLIAhBAWohCAwBCwsgCUEBaiEJDAELCwvbAQIFfwF7IANBAnQhBwNAIAQgCEoEQCAHIAhsIgYgAGohCSACIAZqIQr9DAAAAAAAAAAAAAAAAAAAAAAhC0EAIQYDQCAGIAdJBEAgCyAGIAlq/QAEACILIAv95gH95AEhCyAGQRBqIQYMAQsLQwAAgD8gC/0fACAL/R8BkiAL/R8CIAv9HwOSkiADspUgBZKRlf0TIQtBACEGA0AgBiAHSQRAIAYgCmogBiAJav0ABAAgC/3mASABIAZq/QAEAP3mAf0LBAAgBkEQaiEGDAELCyAIQQFqIQgMAQsLC9UDAgR7AX8DQCAJIARBAnRJBEAgASAJav0ABAAgAiAJav0ABAD95AEiCP3hASIG/Qyama7CmpmuwpqZrsKama7C/ekB/QyambBCmpmwQpqZsEKambBC/egBIgf9DDuquD87qrg/O6q4PzuquD/95gH9aiEFIAMgCWogACAJav0ABAAgCP0MAACAPwAAgD8AAIA/AACAP/0MZ2lQOWdpUDlnaVA5Z2lQOSAHIAX9DACAMT8AgDE/AIAxPwCAMT/95gH95QEgBf0Mg4BeuYOAXrmDgF65g4Beuf3mAf3lASIH/eYB/QzOQ7c6zkO3Os5DtzrOQ7c6/eQBIAf95gH9DAiJCDwIiQg8CIkIPAiJCDz95AEgB/3mAf0MwakqPcGpKj3BqSo9wakqPf3kASAH/eYB/Qyqqio+qqoqPqqqKj6qqio+/eQBIAf95gH9DAAAAD8AAAA/AAAAPwAAAD/95AEgB/3mASAH/eYBIAf95AH9DAAAgD8AAIA/AACAPwAAgD/95AEgBf34Af0MfwAAAH8AAAB/AAAAfwAAAP2uAUEX/asB/eYBIAb9DJqZrsKama7CmpmuwpqZrsL9Q/1P/eQB/ecB/eQB/QsEACAJQRBqIQkMAQsLC0QBAn8DQCAEIANBAnRJBEAgACAEaiIFIAX9AAQAIAEgBGr9AAQAIAIgBGr9AAQA/eQB/eQB/QsEACAEQRBqIQQMAQsLC/4BAwZ/AXsBfSACQQJ0IQgDQCADIAdKBEAgACABIAdsQQJ0aiEJ/QwAAAAAAAAAAAAAAAAAAAAAIQxBACEGA0AgBiAISQRAIAwgBiAJav0ABAD94AH96QEhDCAGQRBqIQYMAQsLIAUgB0ECdGogDP0fACAM/R8BlyAM/R8CIAz9HwOXl0NgQqINl0MEAgE8lCINOAIAIA39EyEMIAQgAiAHbEEBdGohCkEAIQYDQCAGIAhJBEAgCiAGQQF2aiAGIAlqIgv9AAQAIAz95wH9av34ASAL/QAEECAM/ecB/Wr9+AH9hQH9CwQAIAZBIGohBgwBCwsgB0EBaiEHDAELCwurCgMHfwt7An0gBSELIAghCgNAIAkgCkoEQCAAIAogC2xqIQVBACEMA0AgDEEBaiAGSARAIAIgCyAMbEEBdGoiDyALQQF0aiEQ/QwAAAAAAAAAAAAAAAAAAAAAIRj9DAAAAAAAAAAAAAAAAAAAAAAhFv0MAAAAAAAAAAAAAAAAAAAAACEX/QwAAAAAAAAAAAAAAAAAAAAAIRH9DAAAAAAAAAAAAAAAAAAAAAAhEv0MAAAAAAAAAAAAAAAAAAAAACET/QwAAAAAAAAAAAAAAAAAAAAAIRT9DAAAAAAAAAAAAAAAAAAAAAAhFSAFIQhBACENA0AgCyANSwRAIBggCP1dAwD9hwEiGiANQQF0Ig4gD2r9AAQAIhn9ugH9rgEhGCASIBogDiAQav0ABAAiGv26Af2uASESIBYgCP1dAxD9hwEiGyAZ/boB/a4BIRYgEyAbIBr9ugH9rgEhEyAXIAj9XQMg/YcBIhsgGf26Af2uASEXIBQgGyAa/boB/a4BIRQgESAI/V0DMP2HASIbIBn9ugH9rgEhESAVIBsgGv26Af2uASEVIAhBOEEIIA1BCHEbaiEIIA1BCGohDQwBCwsgAyAMQQJ0aiIIKgIAIR0gCCoCBCEcIAQgByAMbCAKakECdGoiCCAHQQJ0aiENIAggGP0bACAY/RsBaiAY/RsCaiAY/RsDarIgASAKQQJ0aiIOKgIAlCAdlDgCACAIIBb9GwAgFv0bAWogFv0bAmogFv0bA2qyIA4qAgSUIB2UOAIEIAggF/0bACAX/RsBaiAX/RsCaiAX/RsDarIgDioCCJQgHZQ4AgggCCAR/RsAIBH9GwFqIBH9GwJqIBH9GwNqsiAOKgIMlCAdlDgCDCANIBL9GwAgEv0bAWogEv0bAmogEv0bA2qyIA4qAgCUIByUOAIAIA0gE/0bACAT/RsBaiAT/RsCaiAT/RsDarIgDioCBJQgHJQ4AgQgDSAU/RsAIBT9GwFqIBT9GwJqIBT9GwNqsiAOKgIIlCAclDgCCCANIBX9GwAgFf0bAWogFf0bAmogFf0bA2qyIA4qAgyUIByUOAIMIAxBAmohDAwBCwsDQCAGIAxKBEAgAiALIAxsQQF0aiEO/QwAAAAAAAAAAAAAAAAAAAAAIRL9DAAAAAAAAAAAAAAAAAAAAAAhE/0MAAAAAAAAAAAAAAAAAAAAACEU/QwAAAAAAAAAAAAAAAAAAAAAIRUgBSEIQQAhDQNAIAsgDUsEQCASIAj9AAQAIhH9hwEgDiANQQF0aiIP/QAEACIW/boBIBH9iAEgD/0ABBAiEf26Af2uAf2uASESIBMgCP0ABBAiE/2HASAW/boBIBP9iAEgEf26Af2uAf2uASETIBQgCP0ABCAiFP2HASAW/boBIBT9iAEgEf26Af2uAf2uASEUIBUgCP0ABDAiFf2HASAW/boBIBX9iAEgEf26Af2uAf2uASEVIAhBQGshCCANQRBqIQ0MAQsLIAQgByAMbCAKakECdGoiCCAS/RsAIBL9GwFqIBL9GwJqIBL9GwNqsiABIApBAnRqIg0qAgCUIAMgDEECdGoqAgAiHJQ4AgAgCCAT/RsAIBP9GwFqIBP9GwJqIBP9GwNqsiANKgIElCAclDgCBCAIIBT9GwAgFP0bAWogFP0bAmogFP0bA2qyIA0qAgiUIByUOAIIIAggFf0bACAV/RsBaiAV/RsCaiAV/RsDarIgDSoCDJQgHJQ4AgwgDEEBaiEMDAELCyAKQQRqIQoMAQsLC5MPAgt/C3sgA0ECdCISQQJ0IREgByENA0AgCCANSgRAIAAgDSASbGohCkEAIRADQCAQQQFqIARIBEAgASAFIBBsQQJ0aiIHIAVBAnRqIQMgByEMIAMhCSACIAYgEGwgDWpBAnRqIg4gBkECdGohD/0MAAAAAAAAAAAAAAAAAAAAACEZ/QwAAAAAAAAAAAAAAAAAAAAAIRr9DAAAAAAAAAAAAAAAAAAAAAAhG/0MAAAAAAAAAAAAAAAAAAAAACEY/QwAAAAAAAAAAAAAAAAAAAAAIRT9DAAAAAAAAAAAAAAAAAAAAAAhFf0MAAAAAAAAAAAAAAAAAAAAACEW/QwAAAAAAAAAAAAAAAAAAAAAIRcgESAKIgtqIRMDQCALIBNJBEAgGSAL/QAEACIcIAz9AAQAIh395gH95AEhGSAUIBwgCf0ABAAiHP3mAf3kASEUIBogC/0ABBAiHiAd/eYB/eQBIRogFSAeIBz95gH95AEhFSAbIAv9AAQgIh4gHf3mAf3kASEbIBYgHiAc/eYB/eQBIRYgGCAL/QAEMCIeIB395gH95AEhGCAXIB4gHP3mAf3kASEXIAxBEGohDCAJQRBqIQkgC0FAayELDAELCyAOIBn9HwAgGf0fAZIgGf0fAiAZ/R8DkpI4AgAgDiAa/R8AIBr9HwGSIBr9HwIgGv0fA5KSOAIEIA4gG/0fACAb/R8BkiAb/R8CIBv9HwOSkjgCCCAOIBj9HwAgGP0fAZIgGP0fAiAY/R8DkpI4AgwgDyAU/R8AIBT9HwGSIBT9HwIgFP0fA5KSOAIAIA8gFf0fACAV/R8BkiAV/R8CIBX9HwOSkjgCBCAPIBb9HwAgFv0fAZIgFv0fAiAW/R8DkpI4AgggDyAX/R8AIBf9HwGSIBf9HwIgF/0fA5KSOAIM/QwAAAAAAAAAAAAAAAAAAAAAIRn9DAAAAAAAAAAAAAAAAAAAAAAhGv0MAAAAAAAAAAAAAAAAAAAAACEb/QwAAAAAAAAAAAAAAAAAAAAAIRj9DAAAAAAAAAAAAAAAAAAAAAAhFP0MAAAAAAAAAAAAAAAAAAAAACEV/QwAAAAAAAAAAAAAAAAAAAAAIRb9DAAAAAAAAAAAAAAAAAAAAAAhFyARIAogEWoiCWohCwNAIAkgC0kEQCAZIAn9AAQAIhwgB/0ABAAiHf3mAf3kASEZIBQgHCAD/QAEACIc/eYB/eQBIRQgGiAJ/QAEECIeIB395gH95AEhGiAVIB4gHP3mAf3kASEVIBsgCf0ABCAiHiAd/eYB/eQBIRsgFiAeIBz95gH95AEhFiAYIAn9AAQwIh4gHf3mAf3kASEYIBcgHiAc/eYB/eQBIRcgB0EQaiEHIANBEGohAyAJQUBrIQkMAQsLIA4gGf0fACAZ/R8BkiAZ/R8CIBn9HwOSkjgCECAOIBr9HwAgGv0fAZIgGv0fAiAa/R8DkpI4AhQgDiAb/R8AIBv9HwGSIBv9HwIgG/0fA5KSOAIYIA4gGP0fACAY/R8BkiAY/R8CIBj9HwOSkjgCHCAPIBT9HwAgFP0fAZIgFP0fAiAU/R8DkpI4AhAgDyAV/R8AIBX9HwGSIBX9HwIgFf0fA5KSOAIUIA8gFv0fACAW/R8BkiAW/R8CIBb9HwOSkjgCGCAPIBf9HwAgF/0fAZIgF/0fAiAX/R8DkpI4AhwgEEECaiEQDAELCyAEIBBKBEAgASAFIBBsQQJ0aiIDIQcgAiAGIBBsIA1qQQJ0aiEL/QwAAAAAAAAAAAAAAAAAAAAAIRT9DAAAAAAAAAAAAAAAAAAAAAAhFf0MAAAAAAAAAAAAAAAAAAAAACEW/QwAAAAAAAAAAAAAAAAAAAAAIRcgESAKIglqIQwDQCAJIAxJBEAgFCAJ/QAEACAH/QAEACIY/eYB/eQBIRQgFSAJ/QAEECAY/eYB/eQBIRUgFiAJ/QAEICAY/eYB/eQBIRYgFyAJ/QAEMCAY/eYB/eQBIRcgB0EQaiEHIAlBQGshCQwBCwsgCyAU/R8AIBT9HwGSIBT9HwIgFP0fA5KSOAIAIAsgFf0fACAV/R8BkiAV/R8CIBX9HwOSkjgCBCALIBb9HwAgFv0fAZIgFv0fAiAW/R8DkpI4AgggCyAX/R8AIBf9HwGSIBf9HwIgF/0fA5KSOAIM/QwAAAAAAAAAAAAAAAAAAAAAIRT9DAAAAAAAAAAAAAAAAAAAAAAhFf0MAAAAAAAAAAAAAAAAAAAAACEW/QwAAAAAAAAAAAAAAAAAAAAAIRcgESAKIBFqIglqIQcDQCAHIAlLBEAgFCAJ/QAEACAD/QAEACIY/eYB/eQBIRQgFSAJ/QAEECAY/eYB/eQBIRUgFiAJ/QAEICAY/eYB/eQBIRYgFyAJ/QAEMCAY/eYB/eQBIRcgA0EQaiEDIAlBQGshCQwBCwsgCyAU/R8AIBT9HwGSIBT9HwIgFP0fA5KSOAIQIAsgFf0fACAV/R8BkiAV/R8CIBX9HwOSkjgCFCALIBb9HwAgFv0fAZIgFv0fAiAW/R8DkpI4AhggCyAX/R8AIBf9HwGSIBf9HwIgF/0fA5KSOAIcCyANQQhqIQ0MAQsLC70RAwR9FHsEfyAA/QAEACEeIAD9AAQQIR8gAP0ABCAhICAA/QAEMCEhIAD9AARAISIgAP0ABFAhGCAA/QAEYCEZIAD9AARwIRpDAACA/yEMA0AgJEEDaiIAIAdIBEAgHiABICRBAWoiJyAEbGogBSAnIANrQQd0aiADICdKGyIn/QAEAP3mASAfICf9AAQQ/eYB/eQBICAgJ/0ABCD95gH95AEgISAn/QAEMP3mAf3kASAiICf9AARA/eYB/eQBIBggJ/0ABFD95gH95AEgGSAn/QAEYP3mAf3kASAaICf9AARw/eYB/eQBISMgHiABICRBAmoiJyAEbGogBSAnIANrQQd0aiADICdKGyIn/QAEAP3mASAfICf9AAQQ/eYB/eQBICAgJ/0ABCD95gH95AEgISAn/QAEMP3mAf3kASAiICf9AARA/eYB/eQBIBggJ/0ABFD95gH95AEgGSAn/QAEYP3mAf3kASAaICf9AARw/eYB/eQBIRsgHiABIAAgBGxqIAUgACADa0EHdGogACADSBsiAP0ABAD95gEgHyAA/QAEEP3mAf3kASAgIAD9AAQg/eYB/eQBICEgAP0ABDD95gH95AEgIiAA/QAEQP3mAf3kASAYIAD9AARQ/eYB/eQBIBkgAP0ABGD95gH95AEgGiAA/QAEcP3mAf3kASEcIB4gASAEICRsaiAFICQgA2tBB3RqIAMgJEobIgD9AAQA/eYBIB8gAP0ABBD95gH95AEgICAA/QAEIP3mAf3kASAhIAD9AAQw/eYB/eQBICIgAP0ABED95gH95AEgGCAA/QAEUP3mAf3kASAZIAD9AARg/eYB/eQBIBogAP0ABHD95gH95AEhHUMAAID/IQ0gCCAkQQJ0aioCACIPIAleBEAgDCAd/R8AIB39HwGSIB39HwIgHf0fA5KSIA+SIg1dBEAgDSEMCwsgCiAkQQJ0aiANOAIAQwAAgP8hDSAIICRBAWoiAEECdGoqAgAiDyAJXgRAIAwgI/0fACAj/R8BkiAj/R8CICP9HwOSkiAPkiINXQRAIA0hDAsLIAogAEECdGogDTgCAEMAAID/IQ0gCCAkQQJqIgBBAnRqKgIAIg8gCV4EQCAMIBv9HwAgG/0fAZIgG/0fAiAb/R8DkpIgD5IiDV0EQCANIQwLCyAKIABBAnRqIA04AgBDAACA/yENIAggJEEDaiIAQQJ0aioCACIPIAleBEAgDCAc/R8AIBz9HwGSIBz9HwIgHP0fA5KSIA+SIg1dBEAgDSEMCwsgCiAAQQJ0aiANOAIAICRBBGohJAwBCwsDQCAHICRKBEAgHiABIAQgJGxqIAUgJCADa0EHdGogAyAkShsiAP0ABAD95gEgHyAA/QAEEP3mAf3kASAgIAD9AAQg/eYB/eQBICEgAP0ABDD95gH95AEgIiAA/QAEQP3mAf3kASAYIAD9AARQ/eYB/eQBIBkgAP0ABGD95gH95AEgGiAA/QAEcP3mAf3kASEbQwAAgP8hDSAIICRBAnRqKgIAIg8gCV4EQCAMIBv9HwAgG/0fAZIgG/0fAiAb/R8DkpIgD5IiDV0EQCANIQwLCyAKICRBAnRqIA04AgAgJEEBaiEkDAELCyAHQQNqQXxxIQEgByEAA0AgACABSARAIAogAEECdGpDAACA/zgCACAAQQFqIQAMAQsLIAxDAACA/1sEQCAL/QwAAAAAAAAAAAAAAAAAAAAA/QsEACAL/QwAAAAAAAAAAAAAAAAAAAAA/QsEECAL/QwAAAAAAAAAAAAAAAAAAAAA/QsEICAL/QwAAAAAAAAAAAAAAAAAAAAA/QsEMCAL/QwAAAAAAAAAAAAAAAAAAAAA/QsEQCAL/QwAAAAAAAAAAAAAAAAAAAAA/QsEUCAL/QwAAAAAAAAAAAAAAAAAAAAA/QsEYCAL/QwAAAAAAAAAAAAAAAAAAAAA/QsEcA8LIAz9EyEYA0AgJiABQQJ0SQRAIAogJmoiAP0ABAAiGSAY/eUBIhr9DJqZrsKama7CmpmuwpqZrsL96QH9DJqZsEKambBCmpmwQpqZsEL96AEiG/0MO6q4PzuquD87qrg/O6q4P/3mAf1qIRwgAP0MZ2lQOWdpUDlnaVA5Z2lQOSAbIBz9DACAMT8AgDE/AIAxPwCAMT/95gH95QEgHP0Mg4BeuYOAXrmDgF65g4Beuf3mAf3lASIb/eYB/QzOQ7c6zkO3Os5DtzrOQ7c6/eQBIBv95gH9DAiJCDwIiQg8CIkIPAiJCDz95AEgG/3mAf0MwakqPcGpKj3BqSo9wakqPf3kASAb/eYB/Qyqqio+qqoqPqqqKj6qqio+/eQBIBv95gH9DAAAAD8AAAA/AAAAPwAAAD/95AEgG/3mASAb/eYBIBv95AH9DAAAgD8AAIA/AACAPwAAgD/95AEgHP34Af0MfwAAAH8AAAB/AAAAfwAAAP2uAUEX/asB/eYBIBr9DJqZrsKama7CmpmuwpqZrsL9Q/1PIBn9DAAAgP8AAID/AACA/wAAgP/9Qf1P/QsEACAmQRBqISYMAQsLA0AgByAlSgRAIA4gCiAlQQJ0aioCACIJkiEOIBcgCf0TIhggAiAEICVsaiAGICUgA2tBB3RqIAMgJUobIgD9AAQA/eYB/eQBIRcgECAYIAD9AAQQ/eYB/eQBIRAgESAYIAD9AAQg/eYB/eQBIREgEiAYIAD9AAQw/eYB/eQBIRIgEyAYIAD9AARA/eYB/eQBIRMgFCAYIAD9AARQ/eYB/eQBIRQgFSAYIAD9AARg/eYB/eQBIRUgFiAYIAD9AARw/eYB/eQBIRYgJUEBaiElDAELCyALIBdDAACAPyAOlf0TIhf95gH9CwQAIAsgECAX/eYB/QsEECALIBEgF/3mAf0LBCAgCyASIBf95gH9CwQwIAsgEyAX/eYB/QsEQCALIBQgF/3mAf0LBFAgCyAVIBf95gH9CwRgIAsgFiAX/eYB/QsEcAvIAwIEewJ/A0AgByACQQJ0SQRAIAAgB2oiCP0ABAAgASAHav0ABAD95AEiBv3hASIE/Qyama7CmpmuwpqZrsKama7C/ekB/QyambBCmpmwQpqZsEKambBC/egBIgX9DDuquD87qrg/O6q4PzuquD/95gH9aiEDIAggBv0MAACAPwAAgD8AAIA/AACAP/0MZ2lQOWdpUDlnaVA5Z2lQOSAFIAP9DACAMT8AgDE/AIAxPwCAMT/95gH95QEgA/0Mg4BeuYOAXrmDgF65g4Beuf3mAf3lASIF/eYB/QzOQ7c6zkO3Os5DtzrOQ7c6/eQBIAX95gH9DAiJCDwIiQg8CIkIPAiJCDz95AEgBf3mAf0MwakqPcGpKj3BqSo9wakqPf3kASAF/eYB/Qyqqio+qqoqPqqqKj6qqio+/eQBIAX95gH9DAAAAD8AAAA/AAAAPwAAAD/95AEgBf3mASAF/eYBIAX95AH9DAAAgD8AAIA/AACAPwAAgD/95AEgA/34Af0MfwAAAH8AAAB/AAAAfwAAAP2uAUEX/asB/eYBIAT9DJqZrsKama7CmpmuwpqZrsL9Q/1P/eQB/ecB/QsEACAHQRBqIQcMAQsLC6EJAwN9CX8FeyAEIAlqIhdBA2pBfHEhHSAOQQJ0IR4DQCAMIA1IBEAgEiEYA0AgEyAYSgRAIAogFyAYbEECdGohHCAMIB5sIhogACABIBhsQQJ0amohGwJAIA5BIEYEQCAbIAUgDGxBAnQiGSACaiADIBlqIAQgBkECdCAJIAxsIB5sIhkgB2ogCCAZaiAXIBwgCyAPIBAgESAYbEECdGogGmoQCgwBC0MAAID/IRRBACEZA0AgFyAZSgRAQwAAgP8hFiAcIBlBAnRqKgIAIhUgC14EQCAEIBlKBH8gAiAFIAxsIAYgGWxqQQJ0agUgByAZIARrIAkgDGxqIB5sagshGv0MAAAAAAAAAAAAAAAAAAAAACEgQQAhHwNAIB4gH0sEQCAgIBsgH2r9AAQAIBogH2r9AAQA/eYB/eQBISAgH0EQaiEfDAELCyAg/R8AICD9HwGSICD9HwIgIP0fA5KSIBWSIhYgFF4EQCAWIRQLCyAPIBlBAnRqIBY4AgAgGUEBaiEZDAELCyAXIRkDQCAZIB1IBEAgDyAZQQJ0akMAAID/OAIAIBlBAWohGQwBCwsgECARIBhsQQJ0aiAMIB5saiEcQQAhGQNAIBkgHkkEQCAZIBxqQwAAAAA4AgAgGUEEaiEZDAELCyAUQwAAgP9bDQAgFP0TISRBACEZA0AgGSAdQQJ0SQRAIA8gGWoiGv0ABAAiIyAk/eUBIiL9DJqZrsKama7CmpmuwpqZrsL96QH9DJqZsEKambBCmpmwQpqZsEL96AEiIP0MO6q4PzuquD87qrg/O6q4P/3mAf1qISEgGv0MZ2lQOWdpUDlnaVA5Z2lQOSAgICH9DACAMT8AgDE/AIAxPwCAMT/95gH95QEgIf0Mg4BeuYOAXrmDgF65g4Beuf3mAf3lASIg/eYB/QzOQ7c6zkO3Os5DtzrOQ7c6/eQBICD95gH9DAiJCDwIiQg8CIkIPAiJCDz95AEgIP3mAf0MwakqPcGpKj3BqSo9wakqPf3kASAg/eYB/Qyqqio+qqoqPqqqKj6qqio+/eQBICD95gH9DAAAAD8AAAA/AAAAPwAAAD/95AEgIP3mASAg/eYBICD95AH9DAAAgD8AAIA/AACAPwAAgD/95AEgIf34Af0MfwAAAH8AAAB/AAAAfwAAAP2uAUEX/asB/eYBICL9DJqZrsKama7CmpmuwpqZrsL9Q/1PICP9DAAAgP8AAID/AACA/wAAgP/9Qf1P/QsEACAZQRBqIRkMAQsLQwAAAAAhFEEAIRkDQCAXIBlKBEAgFCAPIBlBAnRqKgIAIhWSIRQgBCAZSgR/IAMgBSAMbCAGIBlsakECdGoFIAggGSAEayAJIAxsaiAebGoLIRsgFf0TISBBACEfA0AgHiAfSwRAIBwgH2oiGiAa/QAEACAgIBsgH2r9AAQA/eYB/eQB/QsEACAfQRBqIR8MAQsLIBlBAWohGQwBCwtDAACAPyAUlf0TISBBACEZA0AgGSAeSQRAIBkgHGoiGiAa/QAEACAg/eYB/QsEACAZQRBqIRkMAQsLCyAYQQFqIRgMAQsLIAxBAWohDAwBCwsLPwEBfyACIANsQQJ0IQIDQCACIARLBEAgACAEaiIDIAP9AAQAIAEgBGr9AAQA/eQB/QsEACAEQRBqIQQMAQsLCw==";
var DECODER_FMA_WASM_BASE64 = "AGFzbQEAAAABcgpgBH9/f38AYAl/f39/f39/f38AYAh/f39/f39/fQBgBn9/f39/fQBgBX9/f39/AGAGf39/f39/AGAKf39/f39/f39/fwBgDH9/f39/f39/f31/fwBgA39/fwBgFH9/f39/f39/f39/fX9/f39/f39/AAISAQNlbnYGbWVtb3J5AgMBgIABAw8OAAABAgMEAAUGAQcICQAHoAEOBm1hdG11bAAJCXVucGFja1JvdwAAB3Jtc05vcm0ABAZyb3RhcnkAAwlhdHRlbnRpb24ADAZzd2lnbHUAAQdhZGRSb3dzAA0Kc3BsaXRIZWFkcwACDHF1YW50aXplUm93cwAHB21hdG11bFEACAxyZXNpZHVhbFNpbHUABQhiaWFzU2lsdQALDHJlc2lkdWFsQmlhcwAGBm1lbW9yeQIACvxFDkkBAX8gACACQQJ0IgIgAUF8cWxqIAFBA3FBBHRqIQADQCACIARLBEAgAyAEaiAA/QAEAP0LBAAgAEFAayEAIARBEGohBAwBCwsL/wMCBHsEfyACQQJ0IQgDQCADIAlKBEAgACAJIAhBAXRsaiEKIAEgCCAJbGohC0EAIQIDQCACIAhJBEAgAiAKav0ABAAiB/3hASIF/Qyama7CmpmuwpqZrsKama7C/ekB/QyambBCmpmwQpqZsEKambBC/egBIgb9DDuquD87qrg/O6q4PzuquD/95gH9aiEEIAIgC2ogB/0MAACAPwAAgD8AAIA/AACAP/0MZ2lQOWdpUDlnaVA5Z2lQOSAGIAT9DACAMT8AgDE/AIAxPwCAMT/95gH95QEgBP0Mg4BeuYOAXrmDgF65g4Beuf3mAf3lASIG/eYB/QzOQ7c6zkO3Os5DtzrOQ7c6/eQBIAb95gH9DAiJCDwIiQg8CIkIPAiJCDz95AEgBv3mAf0MwakqPcGpKj3BqSo9wakqPf3kASAG/eYB/Qyqqio+qqoqPqqqKj6qqio+/eQBIAb95gH9DAAAAD8AAAA/AAAAPwAAAD/95AEgBv3mASAG/eYBIAb95AH9DAAAgD8AAIA/AACAPwAAgD/95AEgBP34Af0MfwAAAH8AAAB/AAAAfwAAAP2uAUEX/asB/eYBIAX9DJqZrsKama7CmpmuwpqZrsL9Q/1P/eQB/ecBIAggCmogAmr9AAQA/eYB/QsEACACQRBqIQIMAQsLIAlBAWohCQwBCwsLgAEBBX8gBkECdCEJA0AgBCAKSgRAIAAgASAKbEECdGohC0EAIQYDQCAFIAZKBEAgBCAGbCAKaiAJbCIMIAdqIAYgCWwiDSALIAJBAnRqaiAJ/AoAACAIIAxqIAsgA0ECdGogDWogCfwKAAAgBkEBaiEGDAELCyAKQQFqIQoMAQsLC84BAgp/BH0gBEEBdSELA0AgAiAJSgRAIAkgC2xBAnQiCCAFaiEPIAYgCGohEEEAIQgDQCADIAhKBEAgACABIAlsIAQgCGxqQQJ0aiERQQAhCgNAIAogC0gEQCARIApBAnQiDGoiDSALQQJ0aiEOIA0gDSoCACISIAwgD2oqAgAgB5QiE5QgDioCACIUIAwgEGoqAgAgB5QiFZSTOAIAIA4gFCATlCASIBWUkjgCACAKQQFqIQoMAQsLIAhBAWohCAwBCwsgCUEBaiEJDAELCwvbAQIFfwF7IANBAnQhBwNAIAQgCEoEQCAHIAhsIgYgAGohCSACIAZqIQr9DAAAAAAAAAAAAAAAAAAAAAAhC0EAIQYDQCAGIAdJBEAgCyAGIAlq/QAEACILIAv95gH95AEhCyAGQRBqIQYMAQsLQwAAgD8gC/0fACAL/R8BkiAL/R8CIAv9HwOSkiADspUgBZKRlf0TIQtBACEGA0AgBiAHSQRAIAYgCmogBiAJav0ABAAgC/3mASABIAZq/QAEAP3mAf0LBAAgBkEQaiEGDAELCyAIQQFqIQgMAQsLC9UDAgR7AX8DQCAJIARBAnRJBEAgASAJav0ABAAgAiAJav0ABAD95AEiCP3hASIG/Qyama7CmpmuwpqZrsKama7C/ekB/QyambBCmpmwQpqZsEKambBC/egBIgf9DDuquD87qrg/O6q4PzuquD/95gH9aiEFIAMgCWogACAJav0ABAAgCP0MAACAPwAAgD8AAIA/AACAP/0MZ2lQOWdpUDlnaVA5Z2lQOSAHIAX9DACAMT8AgDE/AIAxPwCAMT/95gH95QEgBf0Mg4BeuYOAXrmDgF65g4Beuf3mAf3lASIH/eYB/QzOQ7c6zkO3Os5DtzrOQ7c6/eQBIAf95gH9DAiJCDwIiQg8CIkIPAiJCDz95AEgB/3mAf0MwakqPcGpKj3BqSo9wakqPf3kASAH/eYB/Qyqqio+qqoqPqqqKj6qqio+/eQBIAf95gH9DAAAAD8AAAA/AAAAPwAAAD/95AEgB/3mASAH/eYBIAf95AH9DAAAgD8AAIA/AACAPwAAgD/95AEgBf34Af0MfwAAAH8AAAB/AAAAfwAAAP2uAUEX/asB/eYBIAb9DJqZrsKama7CmpmuwpqZrsL9Q/1P/eQB/ecB/eQB/QsEACAJQRBqIQkMAQsLC0QBAn8DQCAEIANBAnRJBEAgACAEaiIFIAX9AAQAIAEgBGr9AAQAIAIgBGr9AAQA/eQB/eQB/QsEACAEQRBqIQQMAQsLC/4BAwZ/AXsBfSACQQJ0IQgDQCADIAdKBEAgACABIAdsQQJ0aiEJ/QwAAAAAAAAAAAAAAAAAAAAAIQxBACEGA0AgBiAISQRAIAwgBiAJav0ABAD94AH96QEhDCAGQRBqIQYMAQsLIAUgB0ECdGogDP0fACAM/R8BlyAM/R8CIAz9HwOXl0NgQqINl0MEAgE8lCINOAIAIA39EyEMIAQgAiAHbEEBdGohCkEAIQYDQCAGIAhJBEAgCiAGQQF2aiAGIAlqIgv9AAQAIAz95wH9av34ASAL/QAEECAM/ecB/Wr9+AH9hQH9CwQAIAZBIGohBgwBCwsgB0EBaiEHDAELCwurCgMHfwt7An0gBSELIAghCgNAIAkgCkoEQCAAIAogC2xqIQVBACEMA0AgDEEBaiAGSARAIAIgCyAMbEEBdGoiDyALQQF0aiEQ/QwAAAAAAAAAAAAAAAAAAAAAIRj9DAAAAAAAAAAAAAAAAAAAAAAhFv0MAAAAAAAAAAAAAAAAAAAAACEX/QwAAAAAAAAAAAAAAAAAAAAAIRH9DAAAAAAAAAAAAAAAAAAAAAAhEv0MAAAAAAAAAAAAAAAAAAAAACET/QwAAAAAAAAAAAAAAAAAAAAAIRT9DAAAAAAAAAAAAAAAAAAAAAAhFSAFIQhBACENA0AgCyANSwRAIBggCP1dAwD9hwEiGiANQQF0Ig4gD2r9AAQAIhn9ugH9rgEhGCASIBogDiAQav0ABAAiGv26Af2uASESIBYgCP1dAxD9hwEiGyAZ/boB/a4BIRYgEyAbIBr9ugH9rgEhEyAXIAj9XQMg/YcBIhsgGf26Af2uASEXIBQgGyAa/boB/a4BIRQgESAI/V0DMP2HASIbIBn9ugH9rgEhESAVIBsgGv26Af2uASEVIAhBOEEIIA1BCHEbaiEIIA1BCGohDQwBCwsgAyAMQQJ0aiIIKgIAIR0gCCoCBCEcIAQgByAMbCAKakECdGoiCCAHQQJ0aiENIAggGP0bACAY/RsBaiAY/RsCaiAY/RsDarIgASAKQQJ0aiIOKgIAlCAdlDgCACAIIBb9GwAgFv0bAWogFv0bAmogFv0bA2qyIA4qAgSUIB2UOAIEIAggF/0bACAX/RsBaiAX/RsCaiAX/RsDarIgDioCCJQgHZQ4AgggCCAR/RsAIBH9GwFqIBH9GwJqIBH9GwNqsiAOKgIMlCAdlDgCDCANIBL9GwAgEv0bAWogEv0bAmogEv0bA2qyIA4qAgCUIByUOAIAIA0gE/0bACAT/RsBaiAT/RsCaiAT/RsDarIgDioCBJQgHJQ4AgQgDSAU/RsAIBT9GwFqIBT9GwJqIBT9GwNqsiAOKgIIlCAclDgCCCANIBX9GwAgFf0bAWogFf0bAmogFf0bA2qyIA4qAgyUIByUOAIMIAxBAmohDAwBCwsDQCAGIAxKBEAgAiALIAxsQQF0aiEO/QwAAAAAAAAAAAAAAAAAAAAAIRL9DAAAAAAAAAAAAAAAAAAAAAAhE/0MAAAAAAAAAAAAAAAAAAAAACEU/QwAAAAAAAAAAAAAAAAAAAAAIRUgBSEIQQAhDQNAIAsgDUsEQCASIAj9AAQAIhH9hwEgDiANQQF0aiIP/QAEACIW/boBIBH9iAEgD/0ABBAiEf26Af2uAf2uASESIBMgCP0ABBAiE/2HASAW/boBIBP9iAEgEf26Af2uAf2uASETIBQgCP0ABCAiFP2HASAW/boBIBT9iAEgEf26Af2uAf2uASEUIBUgCP0ABDAiFf2HASAW/boBIBX9iAEgEf26Af2uAf2uASEVIAhBQGshCCANQRBqIQ0MAQsLIAQgByAMbCAKakECdGoiCCAS/RsAIBL9GwFqIBL9GwJqIBL9GwNqsiABIApBAnRqIg0qAgCUIAMgDEECdGoqAgAiHJQ4AgAgCCAT/RsAIBP9GwFqIBP9GwJqIBP9GwNqsiANKgIElCAclDgCBCAIIBT9GwAgFP0bAWogFP0bAmogFP0bA2qyIA0qAgiUIByUOAIIIAggFf0bACAV/RsBaiAV/RsCaiAV/RsDarIgDSoCDJQgHJQ4AgwgDEEBaiEMDAELCyAKQQRqIQoMAQsLC8sOAgt/C3sgA0ECdCISQQJ0IREgByENA0AgCCANSgRAIAAgDSASbGohCkEAIRADQCAQQQFqIARIBEAgASAFIBBsQQJ0aiIHIAVBAnRqIQMgByEMIAMhCSACIAYgEGwgDWpBAnRqIg4gBkECdGohD/0MAAAAAAAAAAAAAAAAAAAAACEZ/QwAAAAAAAAAAAAAAAAAAAAAIRr9DAAAAAAAAAAAAAAAAAAAAAAhG/0MAAAAAAAAAAAAAAAAAAAAACEY/QwAAAAAAAAAAAAAAAAAAAAAIRT9DAAAAAAAAAAAAAAAAAAAAAAhFf0MAAAAAAAAAAAAAAAAAAAAACEW/QwAAAAAAAAAAAAAAAAAAAAAIRcgESAKIgtqIRMDQCALIBNJBEAgC/0ABAAiHCAM/QAEACIdIBn9hQIhGSAcIAn9AAQAIhwgFP2FAiEUIAv9AAQQIh4gHSAa/YUCIRogHiAcIBX9hQIhFSAL/QAEICIeIB0gG/2FAiEbIB4gHCAW/YUCIRYgC/0ABDAiHiAdIBj9hQIhGCAeIBwgF/2FAiEXIAxBEGohDCAJQRBqIQkgC0FAayELDAELCyAOIBn9HwAgGf0fAZIgGf0fAiAZ/R8DkpI4AgAgDiAa/R8AIBr9HwGSIBr9HwIgGv0fA5KSOAIEIA4gG/0fACAb/R8BkiAb/R8CIBv9HwOSkjgCCCAOIBj9HwAgGP0fAZIgGP0fAiAY/R8DkpI4AgwgDyAU/R8AIBT9HwGSIBT9HwIgFP0fA5KSOAIAIA8gFf0fACAV/R8BkiAV/R8CIBX9HwOSkjgCBCAPIBb9HwAgFv0fAZIgFv0fAiAW/R8DkpI4AgggDyAX/R8AIBf9HwGSIBf9HwIgF/0fA5KSOAIM/QwAAAAAAAAAAAAAAAAAAAAAIRn9DAAAAAAAAAAAAAAAAAAAAAAhGv0MAAAAAAAAAAAAAAAAAAAAACEb/QwAAAAAAAAAAAAAAAAAAAAAIRj9DAAAAAAAAAAAAAAAAAAAAAAhFP0MAAAAAAAAAAAAAAAAAAAAACEV/QwAAAAAAAAAAAAAAAAAAAAAIRb9DAAAAAAAAAAAAAAAAAAAAAAhFyARIAogEWoiCWohCwNAIAkgC0kEQCAJ/QAEACIcIAf9AAQAIh0gGf2FAiEZIBwgA/0ABAAiHCAU/YUCIRQgCf0ABBAiHiAdIBr9hQIhGiAeIBwgFf2FAiEVIAn9AAQgIh4gHSAb/YUCIRsgHiAcIBb9hQIhFiAJ/QAEMCIeIB0gGP2FAiEYIB4gHCAX/YUCIRcgB0EQaiEHIANBEGohAyAJQUBrIQkMAQsLIA4gGf0fACAZ/R8BkiAZ/R8CIBn9HwOSkjgCECAOIBr9HwAgGv0fAZIgGv0fAiAa/R8DkpI4AhQgDiAb/R8AIBv9HwGSIBv9HwIgG/0fA5KSOAIYIA4gGP0fACAY/R8BkiAY/R8CIBj9HwOSkjgCHCAPIBT9HwAgFP0fAZIgFP0fAiAU/R8DkpI4AhAgDyAV/R8AIBX9HwGSIBX9HwIgFf0fA5KSOAIUIA8gFv0fACAW/R8BkiAW/R8CIBb9HwOSkjgCGCAPIBf9HwAgF/0fAZIgF/0fAiAX/R8DkpI4AhwgEEECaiEQDAELCyAEIBBKBEAgASAFIBBsQQJ0aiIDIQcgAiAGIBBsIA1qQQJ0aiEL/QwAAAAAAAAAAAAAAAAAAAAAIRT9DAAAAAAAAAAAAAAAAAAAAAAhFf0MAAAAAAAAAAAAAAAAAAAAACEW/QwAAAAAAAAAAAAAAAAAAAAAIRcgESAKIglqIQwDQCAJIAxJBEAgCf0ABAAgB/0ABAAiGCAU/YUCIRQgCf0ABBAgGCAV/YUCIRUgCf0ABCAgGCAW/YUCIRYgCf0ABDAgGCAX/YUCIRcgB0EQaiEHIAlBQGshCQwBCwsgCyAU/R8AIBT9HwGSIBT9HwIgFP0fA5KSOAIAIAsgFf0fACAV/R8BkiAV/R8CIBX9HwOSkjgCBCALIBb9HwAgFv0fAZIgFv0fAiAW/R8DkpI4AgggCyAX/R8AIBf9HwGSIBf9HwIgF/0fA5KSOAIM/QwAAAAAAAAAAAAAAAAAAAAAIRT9DAAAAAAAAAAAAAAAAAAAAAAhFf0MAAAAAAAAAAAAAAAAAAAAACEW/QwAAAAAAAAAAAAAAAAAAAAAIRcgESAKIBFqIglqIQcDQCAHIAlLBEAgCf0ABAAgA/0ABAAiGCAU/YUCIRQgCf0ABBAgGCAV/YUCIRUgCf0ABCAgGCAW/YUCIRYgCf0ABDAgGCAX/YUCIRcgA0EQaiEDIAlBQGshCQwBCwsgCyAU/R8AIBT9HwGSIBT9HwIgFP0fA5KSOAIQIAsgFf0fACAV/R8BkiAV/R8CIBX9HwOSkjgCFCALIBb9HwAgFv0fAZIgFv0fAiAW/R8DkpI4AhggCyAX/R8AIBf9HwGSIBf9HwIgF/0fA5KSOAIcCyANQQhqIQ0MAQsLC7wQAwR9FHsEfyAA/QAEACEeIAD9AAQQIR8gAP0ABCAhICAA/QAEMCEhIAD9AARAISIgAP0ABFAhGCAA/QAEYCEZIAD9AARwIRpDAACA/yEMA0AgJEEDaiIAIAdIBEAgGiABICRBAWoiJyAEbGogBSAnIANrQQd0aiADICdKGyIn/QAEcCAZICf9AARgIBggJ/0ABFAgIiAn/QAEQCAhICf9AAQwICAgJ/0ABCAgHyAn/QAEECAeICf9AAQA/eYB/YUC/YUC/YUC/YUC/YUC/YUC/YUCISMgGiABICRBAmoiJyAEbGogBSAnIANrQQd0aiADICdKGyIn/QAEcCAZICf9AARgIBggJ/0ABFAgIiAn/QAEQCAhICf9AAQwICAgJ/0ABCAgHyAn/QAEECAeICf9AAQA/eYB/YUC/YUC/YUC/YUC/YUC/YUC/YUCIRsgGiABIAAgBGxqIAUgACADa0EHdGogACADSBsiAP0ABHAgGSAA/QAEYCAYIAD9AARQICIgAP0ABEAgISAA/QAEMCAgIAD9AAQgIB8gAP0ABBAgHiAA/QAEAP3mAf2FAv2FAv2FAv2FAv2FAv2FAv2FAiEcIBogASAEICRsaiAFICQgA2tBB3RqIAMgJEobIgD9AARwIBkgAP0ABGAgGCAA/QAEUCAiIAD9AARAICEgAP0ABDAgICAA/QAEICAfIAD9AAQQIB4gAP0ABAD95gH9hQL9hQL9hQL9hQL9hQL9hQL9hQIhHUMAAID/IQ0gCCAkQQJ0aioCACIPIAleBEAgDCAd/R8AIB39HwGSIB39HwIgHf0fA5KSIA+SIg1dBEAgDSEMCwsgCiAkQQJ0aiANOAIAQwAAgP8hDSAIICRBAWoiAEECdGoqAgAiDyAJXgRAIAwgI/0fACAj/R8BkiAj/R8CICP9HwOSkiAPkiINXQRAIA0hDAsLIAogAEECdGogDTgCAEMAAID/IQ0gCCAkQQJqIgBBAnRqKgIAIg8gCV4EQCAMIBv9HwAgG/0fAZIgG/0fAiAb/R8DkpIgD5IiDV0EQCANIQwLCyAKIABBAnRqIA04AgBDAACA/yENIAggJEEDaiIAQQJ0aioCACIPIAleBEAgDCAc/R8AIBz9HwGSIBz9HwIgHP0fA5KSIA+SIg1dBEAgDSEMCwsgCiAAQQJ0aiANOAIAICRBBGohJAwBCwsDQCAHICRKBEAgGiABIAQgJGxqIAUgJCADa0EHdGogAyAkShsiAP0ABHAgGSAA/QAEYCAYIAD9AARQICIgAP0ABEAgISAA/QAEMCAgIAD9AAQgIB8gAP0ABBAgHiAA/QAEAP3mAf2FAv2FAv2FAv2FAv2FAv2FAv2FAiEbQwAAgP8hDSAIICRBAnRqKgIAIg8gCV4EQCAMIBv9HwAgG/0fAZIgG/0fAiAb/R8DkpIgD5IiDV0EQCANIQwLCyAKICRBAnRqIA04AgAgJEEBaiEkDAELCyAHQQNqQXxxIQEgByEAA0AgACABSARAIAogAEECdGpDAACA/zgCACAAQQFqIQAMAQsLIAxDAACA/1sEQCAL/QwAAAAAAAAAAAAAAAAAAAAA/QsEACAL/QwAAAAAAAAAAAAAAAAAAAAA/QsEECAL/QwAAAAAAAAAAAAAAAAAAAAA/QsEICAL/QwAAAAAAAAAAAAAAAAAAAAA/QsEMCAL/QwAAAAAAAAAAAAAAAAAAAAA/QsEQCAL/QwAAAAAAAAAAAAAAAAAAAAA/QsEUCAL/QwAAAAAAAAAAAAAAAAAAAAA/QsEYCAL/QwAAAAAAAAAAAAAAAAAAAAA/QsEcA8LIAz9EyEYA0AgJiABQQJ0SQRAIAogJmoiAP0ABAAiGSAY/eUBIhr9DJqZrsKama7CmpmuwpqZrsL96QH9DJqZsEKambBCmpmwQpqZsEL96AEiG/0MO6q4PzuquD87qrg/O6q4P/3mAf1qIRwgAP0MZ2lQOWdpUDlnaVA5Z2lQOSAbIBz9DACAMT8AgDE/AIAxPwCAMT/95gH95QEgHP0Mg4BeuYOAXrmDgF65g4Beuf3mAf3lASIb/eYB/QzOQ7c6zkO3Os5DtzrOQ7c6/eQBIBv95gH9DAiJCDwIiQg8CIkIPAiJCDz95AEgG/3mAf0MwakqPcGpKj3BqSo9wakqPf3kASAb/eYB/Qyqqio+qqoqPqqqKj6qqio+/eQBIBv95gH9DAAAAD8AAAA/AAAAPwAAAD/95AEgG/3mASAb/eYBIBv95AH9DAAAgD8AAIA/AACAPwAAgD/95AEgHP34Af0MfwAAAH8AAAB/AAAAfwAAAP2uAUEX/asB/eYBIBr9DJqZrsKama7CmpmuwpqZrsL9Q/1PIBn9DAAAgP8AAID/AACA/wAAgP/9Qf1P/QsEACAmQRBqISYMAQsLA0AgByAlSgRAIA4gCiAlQQJ0aioCACIJkiEOIAn9EyIYIAIgBCAlbGogBiAlIANrQQd0aiADICVKGyIA/QAEACAX/YUCIRcgGCAA/QAEECAQ/YUCIRAgGCAA/QAEICAR/YUCIREgGCAA/QAEMCAS/YUCIRIgGCAA/QAEQCAT/YUCIRMgGCAA/QAEUCAU/YUCIRQgGCAA/QAEYCAV/YUCIRUgGCAA/QAEcCAW/YUCIRYgJUEBaiElDAELCyALIBdDAACAPyAOlf0TIhf95gH9CwQAIAsgECAX/eYB/QsEECALIBEgF/3mAf0LBCAgCyASIBf95gH9CwQwIAsgEyAX/eYB/QsEQCALIBQgF/3mAf0LBFAgCyAVIBf95gH9CwRgIAsgFiAX/eYB/QsEcAvIAwIEewJ/A0AgByACQQJ0SQRAIAAgB2oiCP0ABAAgASAHav0ABAD95AEiBv3hASIE/Qyama7CmpmuwpqZrsKama7C/ekB/QyambBCmpmwQpqZsEKambBC/egBIgX9DDuquD87qrg/O6q4PzuquD/95gH9aiEDIAggBv0MAACAPwAAgD8AAIA/AACAP/0MZ2lQOWdpUDlnaVA5Z2lQOSAFIAP9DACAMT8AgDE/AIAxPwCAMT/95gH95QEgA/0Mg4BeuYOAXrmDgF65g4Beuf3mAf3lASIF/eYB/QzOQ7c6zkO3Os5DtzrOQ7c6/eQBIAX95gH9DAiJCDwIiQg8CIkIPAiJCDz95AEgBf3mAf0MwakqPcGpKj3BqSo9wakqPf3kASAF/eYB/Qyqqio+qqoqPqqqKj6qqio+/eQBIAX95gH9DAAAAD8AAAA/AAAAPwAAAD/95AEgBf3mASAF/eYBIAX95AH9DAAAgD8AAIA/AACAPwAAgD/95AEgA/34Af0MfwAAAH8AAAB/AAAAfwAAAP2uAUEX/asB/eYBIAT9DJqZrsKama7CmpmuwpqZrsL9Q/1P/eQB/ecB/QsEACAHQRBqIQcMAQsLC6EJAwN9CX8FeyAEIAlqIhdBA2pBfHEhHSAOQQJ0IR4DQCAMIA1IBEAgEiEYA0AgEyAYSgRAIAogFyAYbEECdGohHCAMIB5sIhogACABIBhsQQJ0amohGwJAIA5BIEYEQCAbIAUgDGxBAnQiGSACaiADIBlqIAQgBkECdCAJIAxsIB5sIhkgB2ogCCAZaiAXIBwgCyAPIBAgESAYbEECdGogGmoQCgwBC0MAAID/IRRBACEZA0AgFyAZSgRAQwAAgP8hFiAcIBlBAnRqKgIAIhUgC14EQCAEIBlKBH8gAiAFIAxsIAYgGWxqQQJ0agUgByAZIARrIAkgDGxqIB5sagshGv0MAAAAAAAAAAAAAAAAAAAAACEgQQAhHwNAIB4gH0sEQCAgIBsgH2r9AAQAIBogH2r9AAQA/eYB/eQBISAgH0EQaiEfDAELCyAg/R8AICD9HwGSICD9HwIgIP0fA5KSIBWSIhYgFF4EQCAWIRQLCyAPIBlBAnRqIBY4AgAgGUEBaiEZDAELCyAXIRkDQCAZIB1IBEAgDyAZQQJ0akMAAID/OAIAIBlBAWohGQwBCwsgECARIBhsQQJ0aiAMIB5saiEcQQAhGQNAIBkgHkkEQCAZIBxqQwAAAAA4AgAgGUEEaiEZDAELCyAUQwAAgP9bDQAgFP0TISRBACEZA0AgGSAdQQJ0SQRAIA8gGWoiGv0ABAAiIyAk/eUBIiL9DJqZrsKama7CmpmuwpqZrsL96QH9DJqZsEKambBCmpmwQpqZsEL96AEiIP0MO6q4PzuquD87qrg/O6q4P/3mAf1qISEgGv0MZ2lQOWdpUDlnaVA5Z2lQOSAgICH9DACAMT8AgDE/AIAxPwCAMT/95gH95QEgIf0Mg4BeuYOAXrmDgF65g4Beuf3mAf3lASIg/eYB/QzOQ7c6zkO3Os5DtzrOQ7c6/eQBICD95gH9DAiJCDwIiQg8CIkIPAiJCDz95AEgIP3mAf0MwakqPcGpKj3BqSo9wakqPf3kASAg/eYB/Qyqqio+qqoqPqqqKj6qqio+/eQBICD95gH9DAAAAD8AAAA/AAAAPwAAAD/95AEgIP3mASAg/eYBICD95AH9DAAAgD8AAIA/AACAPwAAgD/95AEgIf34Af0MfwAAAH8AAAB/AAAAfwAAAP2uAUEX/asB/eYBICL9DJqZrsKama7CmpmuwpqZrsL9Q/1PICP9DAAAgP8AAID/AACA/wAAgP/9Qf1P/QsEACAZQRBqIRkMAQsLQwAAAAAhFEEAIRkDQCAXIBlKBEAgFCAPIBlBAnRqKgIAIhWSIRQgBCAZSgR/IAMgBSAMbCAGIBlsakECdGoFIAggGSAEayAJIAxsaiAebGoLIRsgFf0TISBBACEfA0AgHiAfSwRAIBwgH2oiGiAa/QAEACAgIBsgH2r9AAQA/eYB/eQB/QsEACAfQRBqIR8MAQsLIBlBAWohGQwBCwtDAACAPyAUlf0TISBBACEZA0AgGSAeSQRAIBkgHGoiGiAa/QAEACAg/eYB/QsEACAZQRBqIRkMAQsLCyAYQQFqIRgMAQsLIAxBAWohDAwBCwsLPwEBfyACIANsQQJ0IQIDQCACIARLBEAgACAEaiIDIAP9AAQAIAEgBGr9AAQA/eQB/QsEACAEQRBqIQQMAQsLCw==";

// src/runtime/kernel/base64.ts
function base64Bytes(base64) {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

// src/runtime/onnx-initializers.ts
var FLOAT = 1;
var INT8 = 3;
var EXTERNAL = 1;
var Reader = class _Reader {
  constructor(bytes, start = 0, end = bytes.length) {
    this.bytes = bytes;
    this.end = end;
    this.pos = start;
  }
  pos;
  varint() {
    let result = 0;
    let scale = 1;
    for (; ; ) {
      if (this.pos >= this.end) throw new BindingError("model-contract", "base.onnx: truncated protobuf");
      const byte = this.bytes[this.pos++];
      result += (byte & 127) * scale;
      if (byte < 128) return result;
      scale *= 128;
    }
  }
  /** Calls `field(number, wireType, reader)` per field; length-delimited fields get a sub-reader. */
  fields(field) {
    while (this.pos < this.end) {
      const key = this.varint();
      const number = Math.floor(key / 8);
      const wire = key & 7;
      if (wire === 2) {
        const length = this.varint();
        const sub = new _Reader(this.bytes, this.pos, this.pos + length);
        this.pos += length;
        field(number, wire, sub);
      } else {
        field(number, wire, void 0);
        if (wire === 0) this.varint();
        else if (wire === 1) this.pos += 8;
        else if (wire === 5) this.pos += 4;
        else throw new BindingError("model-contract", `base.onnx: unsupported protobuf wire type ${wire}`);
      }
      if (this.pos > this.end) throw new BindingError("model-contract", "base.onnx: truncated protobuf");
    }
  }
  /** The current varint field's value, read without consuming (fields() skips it after the callback). */
  peekVarint() {
    const at = this.pos;
    const value = this.varint();
    this.pos = at;
    return value;
  }
};
function readTensor(reader) {
  const dims = [];
  let name = "";
  let type = 0;
  let external = false;
  let raw;
  let packedFloats;
  reader.fields((number, wire, sub) => {
    if (number === 1) {
      if (sub !== void 0) while (sub.pos < sub.end) dims.push(sub.varint());
      else dims.push(reader.peekVarint());
    } else if (number === 2 && wire === 0) type = reader.peekVarint();
    else if (number === 8 && sub !== void 0) name = new TextDecoder().decode(sub.bytes.subarray(sub.pos, sub.end));
    else if (number === 9 && sub !== void 0) raw = sub.bytes.subarray(sub.pos, sub.end);
    else if (number === 4 && sub !== void 0) packedFloats = sub.bytes.subarray(sub.pos, sub.end);
    else if (number === 14 && wire === 0) external = reader.peekVarint() === EXTERNAL;
  });
  if (type !== FLOAT && type !== INT8) return { name };
  if (external) throw new BindingError("model-contract", `base.onnx: initializer ${name} has external data; the kernel reads one self-contained file`);
  const count = dims.reduce((a, b) => a * b, 1);
  if (type === INT8) {
    if (raw === void 0 || raw.length !== count) return { name };
    return { name, int8: { dims, data: new Int8Array(raw.slice().buffer) } };
  }
  const bytes = raw ?? packedFloats ?? new Uint8Array(0);
  if (bytes.length !== count * 4) {
    throw new BindingError("model-contract", `base.onnx: initializer ${name} holds ${bytes.length} bytes for shape [${dims.join(", ")}]`);
  }
  const data = new Float32Array(count);
  new Uint8Array(data.buffer).set(bytes);
  return { name, tensor: { dims, data } };
}
function walkNode(reader, matmulInputs) {
  const inputs = [];
  let opType = "";
  const subgraphs = [];
  const text = (sub) => new TextDecoder().decode(sub.bytes.subarray(sub.pos, sub.end));
  reader.fields((number, _wire, sub) => {
    if (sub === void 0) return;
    if (number === 1) inputs.push(text(sub));
    else if (number === 4) opType = text(sub);
    else if (number === 5) sub.fields((field, _w, graph) => {
      if (field === 6 && graph !== void 0) subgraphs.push(graph);
    });
  });
  if ((opType === "MatMul" || opType === "MatMulInteger") && inputs[1] !== void 0) matmulInputs.push(inputs[1]);
  for (const graph of subgraphs) graph.fields((field, _w, node) => {
    if (field === 1 && node !== void 0) walkNode(node, matmulInputs);
  });
}
function readGraphWeights(model) {
  const initializers = /* @__PURE__ */ new Map();
  const int8 = /* @__PURE__ */ new Map();
  const matmulInputs = [];
  const inputs = [];
  new Reader(model).fields((number, _wire, graph) => {
    if (number !== 7 || graph === void 0) return;
    graph.fields((field, _w, sub) => {
      if (sub === void 0) return;
      if (field === 5) {
        const { name, tensor, int8: bytes } = readTensor(sub);
        if (tensor !== void 0) initializers.set(name, tensor);
        if (bytes !== void 0) int8.set(name, bytes);
      } else if (field === 1) {
        walkNode(sub, matmulInputs);
      } else if (field === 11) {
        sub.fields((f, _x, name) => {
          if (f === 1 && name !== void 0) inputs.push(new TextDecoder().decode(name.bytes.subarray(name.pos, name.end)));
        });
      }
    });
  });
  const matmulWeights = [...new Set(matmulInputs.filter((name) => initializers.has(name) || int8.has(name)))];
  return { initializers, int8, matmulWeights, inputs };
}
function transposed(w) {
  const [rows, cols] = w.dims;
  const out = w.data instanceof Float32Array ? new Float32Array(rows * cols) : new Int8Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = w.data[r * cols + c];
  return out;
}

// src/runtime/kernel-pack.ts
function packF32(w, n, k) {
  if (n % 8 !== 0) throw new RangeError(`cannot pack [${n}, ${k}] for the fp32 matmul: N must be a multiple of 8`);
  return pack(w, n, k, 4, 4, new Float32Array(w.length));
}
function packInt8(w, n, k) {
  return pack(w, n, k, 4, 16, new Int8Array(w.length));
}
function pack(w, n, k, outputs, chunk, out) {
  if (w.length !== n * k || n % outputs !== 0 || k % chunk !== 0) {
    throw new RangeError(`cannot pack [${n}, ${k}] (${w.length} values) in blocks of ${outputs} x ${chunk}`);
  }
  const chunks = k / chunk;
  for (let row = 0; row < n; row++) {
    const block = Math.floor(row / outputs);
    const j = row % outputs;
    for (let c = 0; c < chunks; c++) {
      const to = ((block * chunks + c) * outputs + j) * chunk;
      out.set(w.subarray(row * k + c * chunk, row * k + (c + 1) * chunk), to);
    }
  }
  return out;
}

// src/runtime/kernel-heads.ts
var FLOAT2 = 4;
function quantizeWeight(data, n, k) {
  const q = new Int8Array(n * k);
  const scales = new Float32Array(n);
  for (let row = 0; row < n; row++) {
    let max = 0;
    for (let i = row * k; i < (row + 1) * k; i++) max = Math.max(max, Math.abs(data[i]));
    const scale = Math.fround(Math.max(max, 1e-30) / 127);
    scales[row] = scale;
    for (let i = row * k; i < (row + 1) * k; i++) {
      const x = data[i] / scale;
      let r = Math.round(x);
      if (r - x === 0.5 && r % 2 !== 0) r -= 1;
      q[i] = Math.max(-127, Math.min(127, r));
    }
  }
  return { q, scales };
}
function unavailable(message) {
  throw new BindingError("backend-unavailable", `fused kernel heads: ${message}`);
}
var KernelHeads = class {
  constructor(kernel, heap, split, d, embedding, graphBytes, kind, count) {
    this.kernel = kernel;
    this.heap = heap;
    this.split = split;
    this.d = d;
    this.embedding = embedding;
    this.kind = kind;
    this.count = count;
    const graph = readGraphWeights(graphBytes);
    const weights = graph.initializers;
    const get = (name, dims) => {
      const w = weights.get(name);
      if (w === void 0 || w.dims.length !== dims.length || w.dims.some((x, i) => x !== dims[i])) {
        unavailable(`no fp32 initializer ${name} of shape [${dims.join(", ")}] (an int8 or unknown heads graph)`);
      }
      return w;
    };
    const place = (data) => {
      const at = heap.store(data);
      if (at === void 0) unavailable("the weights do not fit in the kernel memory");
      return at;
    };
    const weight = (data, n, k) => {
      const { q, scales } = quantizeWeight(data, n, k);
      return { w: place(packInt8(q, n, k)), scales: place(scales) };
    };
    this.rootReading = graph.inputs.includes("root_token");
    const mixes = graph.matmulWeights.filter((name) => {
      const w = weights.get(name);
      return w !== void 0 && w.dims.length === 2 && w.dims[0] === 2 * d && w.dims[1] === d;
    });
    const expected = (kind === "cerberus" ? count - 1 : 0) + (this.rootReading ? 1 : 0);
    if (mixes.length !== expected) unavailable(`${mixes.length} mixing matrices, expected ${expected}`);
    const projection = weights.get("shortlist/lm_head") ?? weights.get("lm_head");
    if (projection === void 0 || projection.dims.length !== 2 || projection.dims[0] !== d) unavailable("no LM head projection");
    this.width = projection.dims[1];
    if (this.width % 8 !== 0 || d % 16 !== 0) unavailable(`widths must be multiples of 8 (${this.width}) and 16 (${d})`);
    this.projection = weight(transposed(projection), this.width, d);
    let mixAt = 0;
    let widest = d;
    for (let k = 0; k < count; k++) {
      const usesMix = k === 0 && this.rootReading || kind === "cerberus" && k > 0;
      const mix = usesMix ? weight(transposed(get(mixes[mixAt++], [2 * d, d])), d, 2 * d) : void 0;
      const block = { w: weight(get(`blocks.${k}.linear.weight`, [d, d]).data, d, d), b: place(get(`blocks.${k}.linear.bias`, [d]).data) };
      let mlp;
      const up = weights.get(`mlps.${k}.up.weight`);
      if (up !== void 0) {
        const hidden = up.dims[0];
        if (hidden % 16 !== 0) unavailable(`mlps.${k} width ${hidden} is not a multiple of 16`);
        widest = Math.max(widest, hidden);
        mlp = {
          up: weight(get(`mlps.${k}.up.weight`, [hidden, d]).data, hidden, d),
          upBias: place(get(`mlps.${k}.up.bias`, [hidden]).data),
          down: weight(get(`mlps.${k}.down.weight`, [d, hidden]).data, d, hidden),
          downBias: place(get(`mlps.${k}.down.bias`, [d]).data),
          hidden
        };
      }
      this.heads.push({ ...mix === void 0 ? {} : { mix }, block, ...mlp === void 0 ? {} : { mlp } });
    }
    const take = (floats) => {
      const at = heap.block(floats * FLOAT2);
      if (at === void 0) unavailable("no memory for the heads");
      return at;
    };
    this.work = {
      cat: take(2 * d),
      u: take(d),
      t: take(widest),
      z: take(d),
      prev: take(d),
      logits: take(count * this.width),
      quantized: take(Math.max(2 * d, widest) / 2),
      rowScale: take(1)
    };
  }
  heads = [];
  /** [W, D]: the shortlist's (or the vocabulary's) columns of the LM head. */
  projection;
  /** Columns of head_logits: the shortlist's size, or V. */
  width;
  rootReading;
  work;
  /** y = x · W for one row x of k floats into n outputs: the row quantised, then the int8 matmul. */
  project(p, x, y, k, n) {
    const w = this.work;
    this.kernel.quantizeRows(x, k, k, 1, w.quantized, w.rowScale);
    this.split.matmulQ(p.w, p.scales, w.quantized, w.rowScale, y, k, 1, n, n);
  }
  /** head_logits [n, depth, W] for n hidden states ([n, D]); `roots` when the heads read the root token. */
  run(hidden, n, depth, roots) {
    const { d, kernel: k, work: w } = this;
    const out = new Float32Array(n * depth * this.width);
    for (let row = 0; row < n; row++) {
      const heap = this.heap.floats();
      heap.set(hidden.subarray(row * d, (row + 1) * d), w.cat / FLOAT2);
      for (let head = 0; head < depth; head++) {
        const weights = this.heads[head];
        let u = w.cat;
        if (weights.mix !== void 0) {
          if (head === 0) {
            const root = roots?.[row];
            k.unpackRow(this.embedding, root, d, w.cat + d * FLOAT2);
          } else heap.copyWithin((w.cat + d * FLOAT2) / FLOAT2, w.prev / FLOAT2, w.prev / FLOAT2 + d);
          this.project(weights.mix, w.cat, w.u, 2 * d, d);
          u = w.u;
        }
        this.project(weights.block.w, u, w.t, d, d);
        k.residualSilu(u, w.t, weights.block.b, w.z, d);
        if (weights.mlp !== void 0) {
          const m = weights.mlp;
          this.project(m.up, w.z, w.t, d, m.hidden);
          k.biasSilu(w.t, m.upBias, m.hidden);
          this.project(m.down, w.t, w.u, m.hidden, d);
          k.residualBias(w.z, w.u, m.downBias, d);
        }
        this.project(this.projection, w.z, w.logits + head * this.width * FLOAT2, d, this.width);
        heap.copyWithin(w.prev / FLOAT2, w.z / FLOAT2, w.z / FLOAT2 + d);
      }
      out.set(heap.subarray(w.logits / FLOAT2, w.logits / FLOAT2 + depth * this.width), row * depth * this.width);
    }
    return out;
  }
};

// src/runtime/kernel-heap.ts
var PAGE = 65536;
var ALIGN = 64;
var KernelHeap = class {
  constructor(memory, start, limit) {
    this.memory = memory;
    this.limit = limit;
    this.end = Math.ceil(start / ALIGN) * ALIGN;
  }
  end;
  free = /* @__PURE__ */ new Map();
  owned = /* @__PURE__ */ new WeakSet();
  live = /* @__PURE__ */ new WeakMap();
  finalizer = new FinalizationRegistry((block) => this.give(block.at, block.bytes));
  /** A view of the whole memory as it is now (a grown memory needs a new one). */
  floats() {
    const buffer = this.memory.buffer;
    this.owned.add(buffer);
    return new Float32Array(buffer);
  }
  /** Byte offset of `view` in this memory, or undefined when it is not a view of it. */
  offsetOf(view) {
    return this.owned.has(view.buffer) ? view.byteOffset : void 0;
  }
  /** A block of `bytes`; undefined when the memory cannot grow that far. */
  block(bytes) {
    const size = Math.ceil(Math.max(bytes, 1) / ALIGN) * ALIGN;
    const reused = this.free.get(size)?.pop();
    if (reused !== void 0) return reused;
    const at = this.end;
    if (at + size > this.limit) return void 0;
    const have = this.memory.buffer.byteLength;
    if (at + size > have) this.memory.grow(Math.ceil((at + size - have) / PAGE));
    this.end = at + size;
    return at;
  }
  /** A block holding a copy of `data` (weights, fp32 or int8); undefined when the memory cannot grow that far. */
  store(data) {
    const at = this.block(data.byteLength);
    if (at === void 0) return void 0;
    new Uint8Array(this.memory.buffer, at, data.byteLength).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return at;
  }
  give(at, bytes) {
    const size = Math.ceil(Math.max(bytes, 1) / ALIGN) * ALIGN;
    const list = this.free.get(size);
    if (list === void 0) this.free.set(size, [at]);
    else list.push(at);
  }
  /** A zeroed Float32Array of `count` floats in this memory, or undefined when it is full. */
  allocate(count) {
    const bytes = count * 4;
    const at = this.block(bytes);
    if (at === void 0) return void 0;
    const view = new Float32Array(this.floats().buffer, at, count);
    view.fill(0);
    const entry = { at, bytes };
    this.live.set(view, entry);
    this.finalizer.register(view, entry, view);
    return view;
  }
  release(view) {
    const entry = this.live.get(view);
    if (entry === void 0) return;
    this.live.delete(view);
    this.finalizer.unregister(view);
    this.give(entry.at, entry.bytes);
  }
  /** Bytes the memory spans now. */
  get bytes() {
    return this.memory.buffer.byteLength;
  }
};

// src/runtime/kernel-threads.ts
var CONTROL_AT = 4096;
var CONTROL_STRIDE = 128;
var SEQ = 0;
var DONE = 1;
var OP = 2;
var ARGS = 3;
var STOP = -1;
var OP_MATMUL = 1;
var OP_ATTENTION = 2;
var OP_MATMUL_Q = 3;
var STUCK_MS = 5e3;
var HELPER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, control, spinMs } = workerData;
const k = new WebAssembly.Instance(module, { env: { memory, abort() { throw new Error('kernel abort'); } } }).exports;
const i32 = new Int32Array(memory.buffer, control, ${CONTROL_STRIDE / 4});
const f32 = new Float32Array(memory.buffer, control, ${CONTROL_STRIDE / 4});
const a = ${ARGS};
let seen = 0;
for (;;) {
  let idleSince = performance.now();
  let spins = 0;
  while (Atomics.load(i32, ${SEQ}) === seen) {
    if ((++spins & 1023) === 0 && performance.now() - idleSince > spinMs) {
      Atomics.wait(i32, ${SEQ}, seen);
      idleSince = performance.now();
    }
  }
  seen = Atomics.load(i32, ${SEQ});
  if (seen === ${STOP}) break;
  const op = i32[${OP}];
  if (op === ${OP_MATMUL}) k.matmul(i32[a], i32[a + 1], i32[a + 2], i32[a + 3], i32[a + 4], i32[a + 5], i32[a + 6], i32[a + 7], i32[a + 8]);
  else if (op === ${OP_MATMUL_Q}) k.matmulQ(i32[a], i32[a + 1], i32[a + 2], i32[a + 3], i32[a + 4], i32[a + 5], i32[a + 6], i32[a + 7], i32[a + 8], i32[a + 9]);
  else if (op === ${OP_ATTENTION}) k.attention(i32[a], i32[a + 1], i32[a + 2], i32[a + 3], i32[a + 4], i32[a + 5], i32[a + 6], i32[a + 7],
    i32[a + 8], i32[a + 9], i32[a + 10], f32[a + 11], i32[a + 12], i32[a + 13], i32[a + 14], i32[a + 15], i32[a + 16], i32[a + 17],
    i32[a + 18], i32[a + 19]);
  Atomics.store(i32, ${DONE}, seen);
}
`;
function slice(n, parts, i, unit) {
  const units = n / unit;
  return [Math.round(units * i / parts) * unit, Math.round(units * (i + 1) / parts) * unit];
}
function singleThread(kernel) {
  return {
    threads: 1,
    matmul: (w, x, y, k, rows, xs, ys, n) => kernel.matmul(w, x, y, k, rows, xs, ys, 0, n),
    matmulQ: (w, ws, q, qs, y, k, rows, ys, n) => kernel.matmulQ(w, ws, q, qs, y, k, rows, ys, 0, n),
    attention: (q, qs, pk, pv, p, phs, pps, nk, nv, rows, mask, blocked, heads, dh, scores, out, os) => kernel.attention(q, qs, pk, pv, p, phs, pps, nk, nv, rows, mask, blocked, 0, heads, dh, scores[0], out, os, 0, rows),
    stop: async () => {
    }
  };
}
async function withHelpers(kernel, module, memory, threads, spinMs) {
  if (threads <= 1) return singleThread(kernel);
  if (!RUNTIME.isNode) throw new BindingError("backend-unavailable", "fused kernel: helper threads need Node (worker_threads)");
  const specifier = "node:worker_threads";
  const { Worker } = await import(
    /* @vite-ignore */
    specifier
  );
  const helpers = [];
  for (let i = 0; i < threads - 1; i++) {
    const control = CONTROL_AT + i * CONTROL_STRIDE;
    const i32 = new Int32Array(memory.buffer, control, CONTROL_STRIDE / 4);
    i32.fill(0);
    const worker = new Worker(HELPER_SOURCE, { eval: true, workerData: { module, memory, control, spinMs } });
    worker.unref();
    worker.on("error", (error) => console.error("[kernel] helper thread failed:", error));
    helpers.push({ worker, i32, f32: new Float32Array(memory.buffer, control, CONTROL_STRIDE / 4), seq: 0 });
  }
  const post = (helper, op, args, floats = /* @__PURE__ */ new Set()) => {
    args.forEach((value, j) => {
      if (floats.has(j)) helper.f32[ARGS + j] = value;
      else helper.i32[ARGS + j] = value;
    });
    helper.i32[OP] = op;
    helper.seq = helper.seq >= 1073741823 ? 1 : helper.seq + 1;
    Atomics.store(helper.i32, SEQ, helper.seq);
    Atomics.notify(helper.i32, SEQ);
  };
  const join = () => {
    for (const helper of helpers) {
      let spins = 0;
      const start = performance.now();
      while (Atomics.load(helper.i32, DONE) !== helper.seq) {
        if ((++spins & 4095) === 0 && performance.now() - start > STUCK_MS) {
          throw new BindingError("runtime-failure", "fused kernel: a helper thread stopped answering");
        }
      }
    }
  };
  return {
    threads,
    matmul(w, x, y, k, rows, xs, ys, n) {
      helpers.forEach((helper, i) => {
        const [n02, n12] = slice(n, threads, i + 1, 8);
        post(helper, OP_MATMUL, [w, x, y, k, rows, xs, ys, n02, n12]);
      });
      const [n0, n1] = slice(n, threads, 0, 8);
      kernel.matmul(w, x, y, k, rows, xs, ys, n0, n1);
      join();
    },
    matmulQ(w, ws, q, qs, y, k, rows, ys, n) {
      helpers.forEach((helper, i) => {
        const [n02, n12] = slice(n, threads, i + 1, 8);
        post(helper, OP_MATMUL_Q, [w, ws, q, qs, y, k, rows, ys, n02, n12]);
      });
      const [n0, n1] = slice(n, threads, 0, 8);
      kernel.matmulQ(w, ws, q, qs, y, k, rows, ys, n0, n1);
      join();
    },
    attention(q, qs, pk, pv, p, phs, pps, nk, nv, rows, mask, blocked, heads, dh, scores, out, os) {
      helpers.forEach((helper, i) => {
        const [h02, h12] = slice(heads, threads, i + 1, 1);
        post(helper, OP_ATTENTION, [q, qs, pk, pv, p, phs, pps, nk, nv, rows, mask, blocked, h02, h12, dh, scores[i + 1], out, os, 0, rows], /* @__PURE__ */ new Set([11]));
      });
      const [h0, h1] = slice(heads, threads, 0, 1);
      kernel.attention(q, qs, pk, pv, p, phs, pps, nk, nv, rows, mask, blocked, h0, h1, dh, scores[0], out, os, 0, rows);
      join();
    },
    async stop() {
      for (const helper of helpers) {
        Atomics.store(helper.i32, SEQ, STOP);
        Atomics.notify(helper.i32, SEQ);
      }
      await Promise.all(helpers.map((helper) => helper.worker.terminate()));
    }
  };
}

// src/runtime/kernel-model.ts
var PAGE2 = 65536;
var FLOAT3 = 4;
var LM_HEAD = "model.lm_head";
var INT8_SUFFIX = ".w8";
function unavailable2(message) {
  throw new BindingError("backend-unavailable", `fused kernel: ${message}`);
}
var KernelModel = class _KernelModel {
  constructor(arch, heap, kernel, split, graph, invFreq) {
    this.arch = arch;
    this.heap = heap;
    this.kernel = kernel;
    this.split = split;
    const { d_model: d, n_layers: layers, vocab_size: v } = arch;
    const weights = graph.initializers;
    const projections = graph.matmulWeights.filter((name) => name !== LM_HEAD && name !== LM_HEAD + INT8_SUFFIX);
    if (projections.length !== 4 * layers) unavailable2(`base.onnx has ${projections.length} projection matrices, expected ${4 * layers}`);
    const shaped = (name, w, dims) => {
      if (w === void 0) unavailable2(`base.onnx has no initializer ${name}`);
      if (w.dims.length !== dims.length || w.dims.some((x, i) => x !== dims[i])) {
        unavailable2(`initializer ${name} has shape [${w.dims.join(", ")}], expected [${dims.join(", ")}]`);
      }
      return w;
    };
    const need = (name, dims) => shaped(name, weights.get(name), dims);
    const place = (data) => {
      const at = heap.store(data);
      if (at === void 0) unavailable2("the weights do not fit in the kernel memory");
      return at;
    };
    this.int8 = projections.every((name) => graph.int8.has(name));
    if (!this.int8 && !projections.every((name) => weights.has(name))) unavailable2("base.onnx mixes int8 and fp32 projections");
    const project = (name, dims) => {
      const [k, n] = dims;
      if (!this.int8) return { w: place(packF32(transposed(need(name, dims)), n, k)) };
      return { w: place(packInt8(transposed(shaped(name, graph.int8.get(name), dims)), n, k)), scales: place(need(`${name}.scale`, [n]).data) };
    };
    const f = arch.ffn_hidden;
    this.embedding = place(packF32(transposed(need(LM_HEAD, [d, v])), v, d));
    this.lmHead = this.int8 ? project(LM_HEAD + INT8_SUFFIX, [d, v]) : { w: this.embedding };
    for (let i = 0; i < layers; i++) {
      this.layers.push({
        attnNorm: place(need(`model.blocks.${i}.attn_norm.weight`, [d]).data),
        wqkv: project(projections[4 * i], [d, 3 * d]),
        wo: project(projections[4 * i + 1], [d, d]),
        ffnNorm: place(need(`model.blocks.${i}.ffn_norm.weight`, [d]).data),
        wgu: project(projections[4 * i + 2], [d, 2 * f]),
        wd: project(projections[4 * i + 3], [f, d])
      });
    }
    this.finalNorm = place(need("model.norm.weight", [d]).data);
    this.invFreq = invFreq;
  }
  layers = [];
  embedding;
  /** The logits' projection: the embedding table itself (fp32, tied), or its int8 copy. */
  lmHead;
  finalNorm;
  /** Whether the projections are int8 (the manifest's int8 variant). */
  int8;
  invFreq;
  work;
  /** `module`: decoder.wasm compiled; `memory`: shared when threads will run in it. */
  static async create(contract, base, module, memory, options) {
    const graph = readGraphWeights(base);
    const { d_model: d, head_dim: dh, n_kv_heads: kv } = contract;
    const h = d / dh;
    const half = dh / 2;
    const gateUpName = graph.matmulWeights.filter((name) => name !== LM_HEAD && name !== LM_HEAD + INT8_SUFFIX)[2] ?? "";
    const gateUp = graph.initializers.get(gateUpName) ?? graph.int8.get(gateUpName);
    if (gateUp === void 0 || gateUp.dims.length !== 2) unavailable2("base.onnx has no gate|up projection where the contract puts it");
    const f = gateUp.dims[1] / 2;
    const eps = graph.initializers.get("norm_eps")?.data[0] ?? contract.norm_eps;
    if (eps === void 0) unavailable2("neither base.onnx nor the manifest gives norm_eps");
    const freq = graph.initializers.get("rope_freq");
    let invFreq;
    if (freq !== void 0 && freq.data.length >= half) invFreq = freq.data.slice(0, half);
    else if (contract.rope_theta !== void 0) invFreq = Float32Array.from({ length: half }, (_, j) => 1 / contract.rope_theta ** (j / half));
    else unavailable2("neither base.onnx nor the manifest gives the rotary frequencies (rope_theta)");
    if (kv !== h) unavailable2(`n_kv_heads ${kv} != d_model / head_dim ${h} (grouped-query attention is not implemented)`);
    if (d % 16 !== 0 || f % 16 !== 0 || dh % 8 !== 0 || contract.vocab_size % 8 !== 0) {
      unavailable2(`sizes must be multiples of 16 (d_model ${d}, ffn_hidden ${f}) and of 8 (head_dim ${dh}, vocab_size ${contract.vocab_size})`);
    }
    const arch = { ...contract, n_heads: h, ffn_hidden: f, norm_eps: eps };
    const instance = await WebAssembly.instantiate(module, { env: { memory, abort: () => unavailable2("kernel abort") } });
    const heap = new KernelHeap(memory, PAGE2, options.memoryLimit);
    const kernel = instance.exports;
    const split = await withHelpers(kernel, module, memory, options.threads, options.spinMs);
    return new _KernelModel(arch, heap, kernel, split, graph, invFreq);
  }
  /** The step buffers for at least `rows` rows and `past` positions; regrown (doubling) when exceeded. */
  workFor(rows, past) {
    const current = this.work;
    if (current !== void 0 && current.rows >= rows && current.past >= past) return current;
    const r = Math.max(rows, current?.rows ?? 16);
    const p = Math.max(past, current?.past ?? 64, current !== void 0 && past > current.past ? current.past * 2 : 0);
    const { d_model: d, n_layers: layers, head_dim: dh, n_heads: h, ffn_hidden: f, vocab_size: v } = this.arch;
    const sizes = [];
    const take = (floats) => {
      const offset = sizes.reduce((a, b) => a + b, 0);
      sizes.push(Math.ceil(floats * FLOAT3 / 64) * 64);
      return offset;
    };
    const work = {
      rows: r,
      past: p,
      x: take(r * d),
      norm: take(r * d),
      qkv: take(r * 3 * d),
      att: take(r * d),
      tmp: take(r * d),
      gu: take(r * 2 * f),
      act: take(r * f),
      hidden: take(r * d),
      logits: take(r * v),
      cos: take(r * (dh / 2)),
      sin: take(r * (dh / 2)),
      mask: take(r * (p + r)),
      scores: Array.from({ length: this.split.threads }, () => take(p + r + 4)),
      quantized: take(r * Math.max(d, f) / 2),
      rowScales: take(r),
      pastKey: [],
      pastValue: [],
      newKey: [],
      newValue: [],
      start: 0,
      bytes: 0
    };
    for (let i = 0; i < layers; i++) {
      work.pastKey.push(take(h * p * dh));
      work.pastValue.push(take(h * p * dh));
      work.newKey.push(take(h * r * dh));
      work.newValue.push(take(h * r * dh));
    }
    const bytes = sizes.reduce((a, b) => a + b, 0);
    const start = this.heap.block(bytes);
    if (start === void 0) throw new BindingError("runtime-failure", `fused kernel: no memory for a step of ${rows} rows over ${past} positions`);
    if (current !== void 0) this.heap.give(current.start, current.bytes);
    const shift = (x) => x + start;
    const placed = {
      ...work,
      x: shift(work.x),
      norm: shift(work.norm),
      qkv: shift(work.qkv),
      att: shift(work.att),
      tmp: shift(work.tmp),
      gu: shift(work.gu),
      act: shift(work.act),
      hidden: shift(work.hidden),
      logits: shift(work.logits),
      cos: shift(work.cos),
      sin: shift(work.sin),
      mask: shift(work.mask),
      scores: work.scores.map(shift),
      quantized: shift(work.quantized),
      rowScales: shift(work.rowScales),
      pastKey: work.pastKey.map(shift),
      pastValue: work.pastValue.map(shift),
      newKey: work.newKey.map(shift),
      newValue: work.newValue.map(shift),
      start,
      bytes
    };
    this.work = placed;
    return placed;
  }
  /** The decoding heads of an fp32 heads graph on this kernel (kernel-heads.ts); throws `backend-unavailable` if it cannot read it. */
  loadHeads(kind, graph, count) {
    return new KernelHeads(this.kernel, this.heap, this.split, this.arch.d_model, this.embedding, graph, kind, count);
  }
  /** Threads a step runs on (this one and its helpers). */
  get threads() {
    return this.split.threads;
  }
  /** Stops the helper threads. */
  stop() {
    return this.split.stop();
  }
  /** One decoder step (inputs already validated against the contract). */
  forward(input, blocked) {
    const t = input.inputIds.length;
    const p = input.pastLength;
    const { d_model: d, n_layers: layers, head_dim: dh, n_heads: h, ffn_hidden: f, vocab_size: v, norm_eps: eps } = this.arch;
    const w = this.workFor(t, p);
    const k = this.kernel;
    const split = this.split;
    const project = (p2, x, y, kIn, n) => {
      if (p2.scales === void 0) return split.matmul(p2.w, x, y, kIn, t, kIn, n, n);
      k.quantizeRows(x, kIn, kIn, t, w.quantized, w.rowScales);
      split.matmulQ(p2.w, p2.scales, w.quantized, w.rowScales, y, kIn, t, n, n);
    };
    const heap = this.heap.floats();
    const half = dh / 2;
    for (let row = 0; row < t; row++) {
      k.unpackRow(this.embedding, input.inputIds[row], d, w.x + row * d * FLOAT3);
      const position = Math.fround(input.positionIds[row]);
      for (let j = 0; j < half; j++) {
        const angle = Math.fround(position * this.invFreq[j]);
        heap[w.cos / FLOAT3 + row * half + j] = Math.cos(angle);
        heap[w.sin / FLOAT3 + row * half + j] = Math.sin(angle);
      }
    }
    heap.set(input.mask, w.mask / FLOAT3);
    const pastAt = (layer, kind, room) => {
      const at = this.heap.offsetOf(layer[kind]);
      if (at !== void 0) return at;
      heap.set(layer[kind], room / FLOAT3);
      return room;
    };
    const pastKey = input.past.map((layer, i) => pastAt(layer, "key", w.pastKey[i]));
    const pastValue = input.past.map((layer, i) => pastAt(layer, "value", w.pastValue[i]));
    const [headStride, positionStride] = input.pastLayout === "positions" ? [dh, h * dh] : [p * dh, dh];
    const scale = Math.fround(1 / Math.sqrt(dh));
    for (let i = 0; i < layers; i++) {
      const lw = this.layers[i];
      k.rmsNorm(w.x, lw.attnNorm, w.norm, d, t, eps);
      project(lw.wqkv, w.norm, w.qkv, d, 3 * d);
      k.rotary(w.qkv, 3 * d, t, h, dh, w.cos, w.sin, scale);
      k.rotary(w.qkv + d * FLOAT3, 3 * d, t, h, dh, w.cos, w.sin, 1);
      k.splitHeads(w.qkv, 3 * d, d, 2 * d, t, h, dh, w.newKey[i], w.newValue[i]);
      split.attention(w.qkv, 3 * d, pastKey[i], pastValue[i], p, headStride, positionStride, w.newKey[i], w.newValue[i], t, w.mask, blocked, h, dh, w.scores, w.att, d);
      project(lw.wo, w.att, w.tmp, d, d);
      k.addRows(w.x, w.tmp, d, t);
      k.rmsNorm(w.x, lw.ffnNorm, w.norm, d, t, eps);
      project(lw.wgu, w.norm, w.gu, d, 2 * f);
      k.swiglu(w.gu, w.act, f, t);
      project(lw.wd, w.act, w.tmp, f, d);
      k.addRows(w.x, w.tmp, d, t);
    }
    k.rmsNorm(w.x, this.finalNorm, w.hidden, d, t, eps);
    project(this.lmHead, w.hidden, w.logits, d, v);
    const out = this.heap.floats();
    const copy = (at, floats) => out.slice(at / FLOAT3, at / FLOAT3 + floats);
    const present = [];
    for (let i = 0; i < layers; i++) present.push({ key: copy(w.newKey[i], h * t * dh), value: copy(w.newValue[i], h * t * dh) });
    return { logits: copy(w.logits, t * v), hidden: copy(w.hidden, t * d), present };
  }
};

// src/runtime/backend-kernel.ts
var MAX_MEMORY_BYTES = 1024 * 1024 * 1024;
var HEADS_TOLERANCE = 0.1;
var DEFAULT_SPIN_MS = 1;
var compiled;
var provided2;
function kernelModuleAvailable(facts) {
  return !facts.isWorkerd || provided2 !== void 0;
}
function decoderModule() {
  if (provided2 !== void 0) return Promise.resolve(provided2);
  compiled ??= (async () => {
    const wasm = WebAssembly;
    if (RUNTIME.isNode) {
      const specifier = "node:v8";
      const v8 = await import(
        /* @vite-ignore */
        specifier
      );
      v8.setFlagsFromString("--experimental-wasm-relaxed-simd");
    }
    try {
      return await wasm.compile(base64Bytes(DECODER_FMA_WASM_BASE64));
    } catch {
      return await wasm.compile(base64Bytes(DECODER_WASM_BASE64));
    }
  })();
  return compiled;
}
function sharedMemory(limit) {
  try {
    return new WebAssembly.Memory({ initial: 1, maximum: Math.ceil(limit / 65536), shared: true });
  } catch (cause) {
    throw new BindingError("backend-unavailable", `fused kernel: this host has no WebAssembly shared memory (${String(cause)})`, { cause });
  }
}
async function headsBinding(arch, heads) {
  try {
    return await createNativeBinding(arch, { heads }, { cuda: false, threads: 1 });
  } catch (error) {
    if (!(error instanceof BindingError) || error.code !== "backend-unavailable") throw error;
    return createWasmBinding(arch, { heads });
  }
}
async function placeHeads(arch, model, graphs, fallback) {
  const kinds = Object.keys(graphs).filter((kind) => graphs[kind] !== void 0);
  const candidates = /* @__PURE__ */ new Map();
  for (const kind of kinds) {
    const count = arch.decoding_heads?.[kind];
    if (count === void 0) continue;
    try {
      candidates.set(kind, model.loadHeads(kind, graphs[kind], count));
    } catch (error) {
      if (!(error instanceof BindingError) || error.code !== "backend-unavailable") throw error;
    }
  }
  const onKernel = /* @__PURE__ */ new Map();
  if (candidates.size > 0) {
    const reference = await headsBinding(arch, Object.fromEntries([...candidates.keys()].map((kind) => [kind, graphs[kind]])));
    try {
      for (const [kind, heads] of candidates) if (await agrees(arch, heads, reference, kind)) onKernel.set(kind, heads);
    } finally {
      await reference.dispose();
    }
  }
  const rest = Object.fromEntries(kinds.filter((kind) => !onKernel.has(kind)).map((kind) => [kind, fallback[kind] ?? graphs[kind]]));
  return { onKernel, onnxruntime: Object.keys(rest).length > 0 ? await headsBinding(arch, rest) : void 0 };
}
async function agrees(arch, heads, reference, kind) {
  const d = arch.d_model;
  let seed = 12345;
  const hidden = Float32Array.from({ length: 2 * d }, () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648 * 4 - 2;
  });
  const roots = [1, Math.min(2, arch.vocab_size - 1)];
  const want = await reference.heads(kind, hidden, 2, heads.count, roots);
  const got = heads.run(hidden, 2, heads.count, roots);
  if (want.width !== heads.width || want.logits.length !== got.length) return false;
  let scale = 1;
  let worst = 0;
  for (let i = 0; i < got.length; i++) {
    scale = Math.max(scale, Math.abs(want.logits[i]));
    worst = Math.max(worst, Math.abs(got[i] - want.logits[i]));
  }
  return worst <= HEADS_TOLERANCE * scale;
}
async function createKernelBinding(arch, bytes, options = {}) {
  if (bytes.base === void 0) throw new BindingError("model-contract", "fused kernel: no base.onnx given");
  const limit = Math.min(options.memoryLimit ?? MAX_MEMORY_BYTES, MAX_MEMORY_BYTES);
  const memory = sharedMemory(limit);
  let module;
  try {
    module = await decoderModule();
  } catch (cause) {
    throw new BindingError("backend-unavailable", `fused kernel: decoder.wasm does not compile here (${String(cause)})`, { cause });
  }
  const model = await KernelModel.create(arch, bytes.base, module, memory, {
    memoryLimit: limit,
    threads: options.threads ?? 1,
    spinMs: options.spinMs ?? DEFAULT_SPIN_MS
  });
  const { onKernel, onnxruntime } = await placeHeads(arch, model, bytes.heads, options.onnxruntimeHeads ?? bytes.heads);
  const blocked = (options.maskValue ?? -1e4) / 2;
  const queue = new SerialQueue();
  let disposed = false;
  const kvStorage = {
    layout: "positions",
    allocate: (floats) => model.heap.allocate(floats) ?? new Float32Array(floats),
    release: (buffer) => model.heap.release(buffer)
  };
  function forward2(input) {
    if (disposed) return Promise.reject(new BindingError("disposed", "the kernel binding was disposed; create a new one"));
    try {
      validateForward(arch, input);
    } catch (error) {
      return Promise.reject(error);
    }
    return queue.run(async () => {
      const start = performance.now();
      const step = model.forward(input, blocked);
      return { ...step, modelMs: performance.now() - start };
    });
  }
  const headKinds = Object.freeze([...onKernel.keys(), ...onnxruntime?.headKinds ?? []]);
  const binding = {
    backend: "kernel",
    backendClass: "native",
    headsOnKernel: Object.freeze([...onKernel.keys()]),
    headKinds,
    depthSelectable: Object.freeze([...onKernel.keys(), ...onnxruntime?.depthSelectable ?? []]),
    rootReading: Object.freeze([...[...onKernel].filter(([, h]) => h.rootReading).map(([kind]) => kind), ...onnxruntime?.rootReading ?? []]),
    kvStorage,
    // decoder.ts: per-row quantisation and exact int32 sums, attention over the allowed keys in column order.
    treeRowsExact: true,
    forward: forward2,
    heads(kind, hidden, n, depth, roots) {
      if (disposed) return Promise.reject(new BindingError("disposed", "the kernel binding was disposed; create a new one"));
      const own = onKernel.get(kind);
      if (own === void 0) {
        if (onnxruntime === void 0 || !onnxruntime.headKinds.includes(kind)) {
          return Promise.reject(new BindingError("missing-heads", `no ${kind} heads loaded; this binding has: ${headKinds.join(", ") || "none"}`));
        }
        return onnxruntime.heads(kind, hidden, n, depth, roots);
      }
      try {
        validateHeads(arch, hidden, n, depth, own.rootReading ? roots ?? null : void 0);
      } catch (error) {
        return Promise.reject(error);
      }
      return queue.run(async () => {
        const start = performance.now();
        const logits = own.run(hidden, n, Math.min(depth ?? own.count, own.count), roots);
        return { logits, width: own.width, modelMs: performance.now() - start };
      });
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await queue.run(async () => {
      });
      await Promise.all([model.stop(), onnxruntime?.dispose()]);
    }
  };
  return binding;
}

// src/runtime/backend-webgpu.ts
function isFallbackAdapter(adapter) {
  const a = adapter;
  return a.info?.isFallbackAdapter === true || a.isFallbackAdapter === true;
}
function unavailable3(reason, cause) {
  return new BindingError("backend-unavailable", `WebGPU unavailable: ${reason}`, { cause });
}
async function createWebGpuBinding(arch, bytes, options = {}) {
  const gpu = options.gpu ?? globalThis.navigator?.gpu;
  if (gpu === void 0) throw unavailable3("navigator.gpu is not defined");
  let adapter;
  try {
    adapter = await gpu.requestAdapter();
  } catch (cause) {
    throw unavailable3(`requestAdapter() failed: ${String(cause)}`, cause);
  }
  if (adapter === null || adapter === void 0) throw unavailable3("requestAdapter() returned no adapter");
  if (isFallbackAdapter(adapter) && options.allowFallbackAdapter !== true) {
    throw unavailable3('only a software fallback adapter (request backend "webgpu" explicitly to use it)');
  }
  const specifier = "onnxruntime-web/webgpu";
  let ort;
  try {
    ort = await import(
      /* @vite-ignore */
      specifier
    );
  } catch (cause) {
    throw unavailable3(`cannot import ${specifier}: ${String(cause)}`, cause);
  }
  ort.env.webgpu.adapter = adapter;
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  try {
    const sessions = await createModelSessions(ort, arch, bytes, { executionProviders: ["webgpu"] });
    return createOrtBinding({ backend: "webgpu", backendClass: "gpu", ort, architecture: arch, sessions });
  } catch (error) {
    if (error instanceof BindingError && error.code === "runtime-failure") throw unavailable3(error.message, error);
    throw error;
  }
}

// src/runtime/select-backend.ts
var SUPPORTED_BACKENDS = Object.freeze([
  "auto",
  "wasm",
  "webgpu",
  "native-cpu",
  "native-cuda",
  "kernel"
]);
function isBackendRequest(value) {
  return SUPPORTED_BACKENDS.includes(value);
}
function backendCandidates(requested, facts, threads = 1) {
  if (!isBackendRequest(requested)) {
    throw new BindingError(
      "unknown-backend",
      `unknown backend "${requested}"; supported: ${SUPPORTED_BACKENDS.join(", ")}`
    );
  }
  switch (requested) {
    case "auto": {
      if (facts.isWorkerd) return ["kernel", "wasm"];
      const gpu = facts.hasWebGpu ? ["webgpu"] : [];
      const kernel = facts.isNode && threads > 1 ? ["kernel"] : [];
      if (facts.isNode || facts.isDeno) return ["native-cuda", ...kernel, "native-cpu", ...gpu, "wasm"];
      return [...gpu, "wasm"];
    }
    case "native-cuda":
      return ["native-cuda", "native-cpu"];
    case "webgpu":
      return ["webgpu", "wasm"];
    default:
      return [requested];
  }
}

// src/runtime/create-binding.ts
function createOn(backend, requested, options, bytes) {
  const arch = options.architecture;
  switch (backend) {
    case "wasm":
      return createWasmBinding(arch, bytes);
    case "webgpu":
      return createWebGpuBinding(arch, bytes, { allowFallbackAdapter: requested === "webgpu" });
    case "kernel":
      return createKernelBinding(arch, bytes, {
        ...options.nativeCpuHeads === void 0 ? {} : { onnxruntimeHeads: options.nativeCpuHeads },
        ...options.maskValue === void 0 ? {} : { maskValue: options.maskValue },
        ...options.threads === void 0 ? {} : { threads: options.threads },
        ...options.kernelMemoryLimit === void 0 ? {} : { memoryLimit: options.kernelMemoryLimit }
      });
    case "native-cpu":
    case "native-cuda":
      return createNativeBinding(arch, backend === "native-cpu" && options.nativeCpuHeads !== void 0 ? { ...bytes, heads: options.nativeCpuHeads } : bytes, {
        cuda: backend === "native-cuda",
        threads: options.threads,
        spinning: options.spinning ?? false,
        ...options.minRowsPerRun === void 0 ? {} : { minRowsPerRun: options.minRowsPerRun }
      });
  }
}
var warned = /* @__PURE__ */ new Set();
function warnOnce(message) {
  if (warned.has(message)) return;
  warned.add(message);
  console.warn(message);
}
async function createBinding(options) {
  const requested = options.backend ?? "auto";
  const facts = options.runtime ?? RUNTIME;
  const candidates = backendCandidates(requested, facts, options.threads ?? 1).filter(
    (backend) => backend !== "kernel" || requested === "kernel" || kernelModuleAvailable(facts)
  );
  validateArchitecture(options.architecture);
  const log = options.log ?? warnOnce;
  const bytes = { base: options.base, heads: options.heads };
  const skipped = [];
  for (const backend of candidates) {
    try {
      return await createOn(backend, requested, options, bytes);
    } catch (error) {
      if (!(error instanceof BindingError) || error.code !== "backend-unavailable") throw error;
      skipped.push(`${backend}: ${error.message}`);
      if (backend !== candidates[candidates.length - 1]) log(`[runtime] skipping ${backend}: ${error.message}`);
    }
  }
  throw new BindingError("backend-unavailable", `no backend for "${requested}" runs here (${skipped.join("; ")})`);
}

// src/tokenizer/text-tokenizer.ts
import { Tokenizer } from "@huggingface/tokenizers";

// src/engine/config.ts
var ENGINE_CONFIG = Object.freeze({
  prefillChunk: 64,
  defaultTreeBudget: 32,
  maxTreeBudget: 63,
  typicalEpsilon: 0.09
});

// src/engine/validate-options.ts
import { z as z2 } from "zod";
var DECODING_MODES = ["ar", ...HEAD_KINDS];
var finite = z2.number().refine(Number.isFinite, "must be finite");
var sampling = z2.discriminatedUnion("kind", [
  z2.object({ kind: z2.literal("greedy") }),
  z2.object({
    kind: z2.literal("sample"),
    temperature: finite.refine((t) => t > 0, 'must be > 0 (use { kind: "greedy" } for temperature 0)'),
    topK: z2.number().int().positive().optional(),
    topP: finite.refine((p) => p > 0 && p <= 1, "must be in (0, 1]").optional(),
    seed: z2.number().int().optional(),
    typicalEpsilon: finite.refine((e) => e > 0 && e < 1, "must be in (0, 1)").optional()
  })
]);
var gatePolicy = z2.object({
  adaptive: z2.boolean(),
  threshold: finite.refine((t) => t >= 0, "must be >= 0"),
  min: finite,
  max: finite,
  explorationRate: finite.refine((r) => r >= 0 && r <= 1, "must be in [0, 1]")
}).refine((p) => p.min <= p.max, { message: "min must be <= max" });
var costModel = z2.object({
  points: z2.array(z2.object({ tokens: z2.number().int().min(1), ratio: finite.refine((r) => r > 0, "must be > 0") })).refine((ps) => ps.every((p, i) => i === 0 || p.tokens > ps[i - 1].tokens), "tokens must increase"),
  headsRatio: finite.refine((r) => r >= 0, "must be >= 0"),
  headsRatioByDepth: z2.array(finite.refine((r) => r >= 0, "must be >= 0")).min(1).optional()
});

// src/gate/learned-state.ts
import { z as z4 } from "zod";

// src/learned-state-schema.ts
import { z as z3 } from "zod";
var finite2 = z3.number().refine(Number.isFinite, "must be finite");
var nonNegative = z3.array(finite2.refine((v) => v >= 0, "must be >= 0"));
var binsOf = (s) => s.binEdges.length - 1;
var common = {
  threshold: finite2,
  binEdges: z3.array(finite2).min(2),
  sumAccepted: nonNegative,
  count: nonNegative
};
var acceptanceSchema = z3.object({ hits: z3.array(nonNegative), trials: z3.array(z3.array(finite2.refine((v) => v > 0, "must be > 0"))) }).refine(
  (a) => a.hits.length === a.trials.length && a.hits.every((ranks, d) => ranks.length === a.trials[d].length),
  "hits and trials need the same heads and ranks"
).refine((a) => a.hits.every((ranks, d) => ranks.every((h, r) => h <= a.trials[d][r])), "hits cannot exceed trials");
var learnedStateV1 = z3.object({ version: z3.literal(1), ...common });
var learnedStateV2 = z3.object({
  version: z3.literal(2),
  ...common,
  sumExpected: nonNegative,
  estimates: z3.partialRecord(z3.enum(HEAD_KINDS), acceptanceSchema).optional()
});
var learnedStateSchema = z3.discriminatedUnion("version", [learnedStateV1, learnedStateV2]).refine((s) => s.sumAccepted.length === binsOf(s) && s.count.length === binsOf(s), {
  message: "sumAccepted and count need one entry per bin (binEdges.length - 1)"
}).refine((s) => s.version === 1 || s.sumExpected.length === binsOf(s), { message: "sumExpected needs one entry per bin" }).refine((s) => s.binEdges.every((e, i) => i === 0 || e > s.binEdges[i - 1]), { message: "binEdges must increase" });

// src/engine/model.ts
function bindingArchitecture(manifest2, kinds) {
  const decodingHeads = {};
  const headColumns = {};
  for (const kind of kinds) {
    const entry = manifest2.heads[kind];
    if (entry === void 0) continue;
    decodingHeads[kind] = entry.num_heads;
    if (entry.shortlist?.ids !== void 0) headColumns[kind] = entry.shortlist.ids.length;
  }
  return { ...manifest2.architecture, decoding_heads: decodingHeads, head_columns: headColumns };
}

// ../../tmp/prof/prof.ts
var times = /* @__PURE__ */ new Map();
var calls = /* @__PURE__ */ new Map();
var orig = WebAssembly.instantiate;
WebAssembly.instantiate = async (m, imp) => {
  const inst = await orig(m, imp);
  const ex = inst.exports ?? inst.instance?.exports;
  const wrapped = {};
  for (const [k, f] of Object.entries(ex)) {
    if (typeof f !== "function") {
      wrapped[k] = f;
      continue;
    }
    wrapped[k] = (...a) => {
      const s = performance.now();
      const r = f(...a);
      times.set(k, (times.get(k) ?? 0) + performance.now() - s);
      calls.set(k, (calls.get(k) ?? 0) + 1);
      return r;
    };
  }
  return { exports: wrapped };
};
var dir = "/work/main/models/tinystories-6m";
var read = async (n) => new Uint8Array(await readFile2(resolve(dir, n)));
var manifest = parseManifest(await read("manifest.json"));
var P = 128;
for (const variant of (process.env.VARIANTS ?? "int8,fp32").split(",")) {
  const file = variant === "int8" ? manifest.base.variants.int8.file : manifest.base.file;
  const binding = await createBinding({ backend: "kernel", base: await read(file), heads: {}, architecture: bindingArchitecture(manifest, []) });
  const a = manifest.architecture;
  const H = a.n_kv_heads, Dh = a.head_dim;
  const past = Array.from({ length: a.n_layers }, () => ({ key: new Float32Array(H * P * Dh).map((_, i) => Math.sin(i) * 0.3), value: new Float32Array(H * P * Dh).map((_, i) => Math.cos(i) * 0.3) }));
  for (const T of [1, 2, 3, 4, 5, 8]) {
    const mask = new Float32Array(T * (P + T));
    for (let r = 0; r < T; r++) for (let c = P + r + 1; c < P + T; c++) mask[r * (P + T) + c] = -1e4;
    const input = { inputIds: Int32Array.from({ length: T }, (_, i) => 5 + i), positionIds: Int32Array.from({ length: T }, (_, i) => P + i), pastLength: P, past, mask, pastLayout: "heads" };
    for (let i = 0; i < 30; i++) await binding.forward(input);
    times.clear();
    calls.clear();
    const N = 200;
    const st = performance.now();
    for (let i = 0; i < N; i++) await binding.forward(input);
    const total = (performance.now() - st) / N;
    const parts = [...times].sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k} ${(v / N).toFixed(3)}`).join(", ");
    const inKernel = [...times.values()].reduce((x, y) => x + y, 0) / N;
    console.log(`${variant} T=${T}: total ${total.toFixed(3)} ms, in exports ${inKernel.toFixed(3)}; ${parts}`);
  }
  await binding.dispose();
}
