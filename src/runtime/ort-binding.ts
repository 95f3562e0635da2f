/**
 * The InferenceBinding shared by every ONNX Runtime backend (web wasm, web WebGPU, node): tensor
 * marshaling to and from the contract's shapes, input validation, and per-session run serialisation.
 * Backends differ only in which ORT package and session options they create the sessions with.
 */
import type { ModelArchitecture } from './architecture';
import type {
  BackendClass,
  BackendName,
  ForwardInput,
  ForwardOutput,
  HeadKind,
  HeadsOutput,
  InferenceBinding,
  LayerKv,
} from './binding';
import { BindingError } from './errors';
import type { OrtApi, OrtOutputs, OrtSession, OrtTensor } from './ort-api';
import type { ModelSessions } from './ort-sessions';
import { forwardWithMinRows } from './padded-forward';
import { SerialQueue } from './serial-queue';
import { validateForward, validateHeads } from './validate';

export interface OrtBindingParts {
  readonly backend: BackendName;
  readonly backendClass: BackendClass;
  readonly ort: OrtApi;
  readonly architecture: ModelArchitecture;
  readonly sessions: ModelSessions;
  /** Shorter forwards run padded to this many tokens (padded-forward.ts); default 1 (as given). */
  readonly minRowsPerRun?: number;
  /** The additive mask's blocked value (manifest.base.mask_value), for the padding rows. */
  readonly maskValue?: number;
}

/** A session with its own run queue. */
class QueuedSession {
  private readonly queue = new SerialQueue();
  constructor(readonly session: OrtSession) {}

  /** Runs and times one call; the time excludes waiting in the queue. */
  run(feeds: Record<string, OrtTensor>): Promise<{ outputs: OrtOutputs; ms: number }> {
    return this.queue.run(async () => {
      const start = performance.now();
      const outputs = await this.session.run(feeds);
      return { outputs, ms: performance.now() - start };
    });
  }

  release(): Promise<void> {
    return this.queue.run(() => this.session.release());
  }
}

function float32Output(outputs: OrtOutputs, name: string, dims: readonly number[]): Float32Array {
  const tensor = outputs[name];
  if (tensor === undefined || tensor.type !== 'float32') {
    throw new BindingError('model-contract', `output ${name} is missing or not float32`);
  }
  if (tensor.dims.length !== dims.length || tensor.dims.some((d, i) => d !== dims[i])) {
    throw new BindingError(
      'model-contract',
      `output ${name} has shape [${tensor.dims.join(', ')}], expected [${dims.join(', ')}]`,
    );
  }
  return tensor.data as Float32Array;
}

export function createOrtBinding(parts: OrtBindingParts): InferenceBinding {
  const { ort, architecture: arch, backend } = parts;
  const base = parts.sessions.base === undefined ? undefined : new QueuedSession(parts.sessions.base);
  const heads = new Map([...parts.sessions.heads].map(([kind, session]) => [kind, new QueuedSession(session)]));
  const withInput = (name: string) => new Set([...parts.sessions.heads].filter(([, s]) => s.inputNames.includes(name)).map(([kind]) => kind));
  const depthSelectable = withInput('num_heads');
  const rootReading = withInput('root_token');
  // K per kind when the manifest says it; otherwise whatever the graph returns at full depth.
  const fullDepth = (kind: HeadKind): number | undefined => arch.decoding_heads?.[kind];
  let disposed = false;

  function assertLive(): void {
    if (disposed) throw new BindingError('disposed', `the ${backend} binding was disposed; create a new one`);
  }

  async function runOrThrow(session: QueuedSession, what: string, feeds: Record<string, OrtTensor>) {
    try {
      return await session.run(feeds);
    } catch (cause) {
      throw new BindingError('runtime-failure', `${backend} ${what} failed: ${String(cause)}`, { cause });
    }
  }

  async function forward(input: ForwardInput): Promise<ForwardOutput> {
    assertLive();
    validateForward(arch, input);
    return forwardWithMinRows(forwardOnce, input, arch, parts.minRowsPerRun ?? 1, parts.maskValue ?? -10000);
  }

  async function forwardOnce(input: ForwardInput): Promise<ForwardOutput> {
    if (base === undefined) throw new BindingError('model-contract', `this ${backend} binding was created for the heads only`);
    if ((input.pastLayout ?? 'heads') !== 'heads') {
      throw new BindingError('invalid-input', `${backend} reads a past in the contract's [H_kv, P, D_h] layout only, got ${input.pastLayout}`);
    }
    const t = input.inputIds.length;
    const p = input.pastLength;
    const kvDims = [1, arch.n_kv_heads, p, arch.head_dim];
    const feeds: Record<string, OrtTensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(input.inputIds, BigInt), [1, t]),
      position_ids: new ort.Tensor('int64', BigInt64Array.from(input.positionIds, BigInt), [1, t]),
      attention_mask: new ort.Tensor('float32', input.mask, [1, 1, t, p + t]),
    };
    input.past.forEach((layer, i) => {
      feeds[`past.${i}.key`] = new ort.Tensor('float32', layer.key, kvDims);
      feeds[`past.${i}.value`] = new ort.Tensor('float32', layer.value, kvDims);
    });
    const { outputs, ms } = await runOrThrow(base, 'forward', feeds);
    const newDims = [1, arch.n_kv_heads, t, arch.head_dim];
    const present: LayerKv[] = [];
    for (let i = 0; i < arch.n_layers; i++) {
      present.push({
        key: float32Output(outputs, `new.${i}.key`, newDims),
        value: float32Output(outputs, `new.${i}.value`, newDims),
      });
    }
    return {
      logits: float32Output(outputs, 'logits', [1, t, arch.vocab_size]),
      hidden: float32Output(outputs, 'hidden_states', [1, t, arch.d_model]),
      present,
      modelMs: ms,
    };
  }

  async function runHeads(kind: HeadKind, hidden: Float32Array, n: number, depth?: number, roots?: ArrayLike<number>): Promise<HeadsOutput> {
    assertLive();
    const session = heads.get(kind);
    if (session === undefined) {
      throw new BindingError(
        'missing-heads',
        `no ${kind} heads loaded; this binding has: ${[...heads.keys()].join(', ') || 'none'}`,
      );
    }
    const readsRoot = rootReading.has(kind);
    validateHeads(arch, hidden, n, depth, readsRoot ? (roots ?? null) : undefined);
    const k = fullDepth(kind);
    const feeds: Record<string, OrtTensor> = { hidden_states: new ort.Tensor('float32', hidden, [n, arch.d_model]) };
    if (readsRoot) feeds['root_token'] = new ort.Tensor('int64', BigInt64Array.from(roots!, BigInt), [n]);
    const selectable = depthSelectable.has(kind);
    // Without a depth, every head (the graph clamps a count above K to K).
    if (selectable) feeds['num_heads'] = new ort.Tensor('int64', BigInt64Array.of(BigInt(depth ?? k ?? 2 ** 31)), []);
    const { outputs, ms } = await runOrThrow(session, `${kind} heads`, feeds);
    const dims = outputs['head_logits']?.dims ?? [];
    const expected = k === undefined ? (dims[1] ?? 0) : selectable && depth !== undefined ? Math.min(depth, k) : k;
    const columns = arch.head_columns?.[kind];
    const width = columns !== undefined && dims[2] === columns ? columns : arch.vocab_size;
    return { logits: float32Output(outputs, 'head_logits', [n, expected, width]), width, modelMs: ms };
  }

  return {
    backend,
    backendClass: parts.backendClass,
    headKinds: Object.freeze([...heads.keys()]),
    depthSelectable: Object.freeze([...depthSelectable]),
    rootReading: Object.freeze([...rootReading]),
    forward,
    heads: runHeads,
    async dispose() {
      if (disposed) return;
      disposed = true;
      await Promise.all([...(base === undefined ? [] : [base]), ...heads.values()].map((session) => session.release()));
    },
  };
}

/** The cache before the first forward (P = 0): zero-length tensors, one pair per layer. */
export function emptyPast(arch: Pick<ModelArchitecture, 'n_layers'>): LayerKv[] {
  return Array.from({ length: arch.n_layers }, () => ({ key: new Float32Array(0), value: new Float32Array(0) }));
}
