/**
 * The one seam between the decoding engine and an inference runtime. Implementations live beside this
 * file (onnxruntime-web wasm / WebGPU, onnxruntime-node); nothing outside `src/runtime/` imports an
 * `onnxruntime-*` package.
 *
 * Shapes follow docs/model-contract.md. Everything is row-major and batch 1.
 */

export type BackendName = 'wasm' | 'webgpu' | 'native-cpu' | 'native-cuda' | 'kernel';

/** Backend class used to pick a default tree from the manifest (`trees.wasm | native | gpu`). */
export type BackendClass = 'wasm' | 'native' | 'gpu';

export const HEAD_KINDS = ['cerberus', 'medusa'] as const;
export type HeadKind = (typeof HEAD_KINDS)[number];

/**
 * How a past's K/V are laid out: `heads`, [H_kv, P, D_h] (the contract's, what every backend reads), or
 * `positions`, [P, H_kv, D_h] (a KvStorage's: a cache in that layout appends without moving its entries).
 */
export type KvLayout = 'heads' | 'positions';

/** K/V of one layer: [H_kv, N, D_h] flattened, N = number of positions held (or [N, H_kv, D_h], see KvLayout). */
export interface LayerKv {
  readonly key: Float32Array;
  readonly value: Float32Array;
}

export interface ForwardInput {
  /** T token ids. */
  readonly inputIds: ArrayLike<number>;
  /** T rotary positions. */
  readonly positionIds: ArrayLike<number>;
  /** Additive mask [T, P+T] flattened: 0 = attend, manifest.base.mask_value = blocked. */
  readonly mask: Float32Array;
  /** Past K/V per layer with P positions each; P = pastLength. */
  readonly past: readonly LayerKv[];
  readonly pastLength: number;
  /** Default `heads`; `positions` only for a past held in the binding's own kvStorage. */
  readonly pastLayout?: KvLayout;
  /**
   * `last`: only the last row's logits will be read (a prompt chunk), so a binding may skip the LM head for
   * the other rows and return logits [1, V]. Default `all`. The last row's logits are the same either way.
   */
  readonly logitRows?: 'all' | 'last';
}

export interface ForwardOutput {
  /** [T, V]; [1, V] (the last row's) where the input asked for `logitRows: 'last'` and the binding skipped the rest. */
  readonly logits: Float32Array;
  /** [T, D] — what the LM head and the decoding heads read. */
  readonly hidden: Float32Array;
  /** K/V of the T new tokens per layer: [H_kv, T, D_h] each. */
  readonly present: readonly LayerKv[];
  /** Milliseconds spent inside the runtime for this call. */
  readonly modelMs: number;
}

export interface HeadsOutput {
  /**
   * [N, K', W]: K' = the heads computed (all K unless fewer were asked of a graph that can skip heads);
   * W = V, or the shortlist's size where the graph projects onto a shortlist (column j = token ids[j]).
   */
  readonly logits: Float32Array;
  /** W. */
  readonly width: number;
  readonly modelMs: number;
}

/**
 * Float32 buffers in a binding's own memory: a `past` whose K/V are views of such buffers is read in place
 * instead of being copied into the runtime every forward (the engine's KvCache allocates from it).
 */
export interface KvStorage {
  /** The layout the binding reads such buffers in (a KvCache on this storage keeps its entries so). */
  readonly layout: KvLayout;
  /** A zeroed buffer of `floats`; a plain Float32Array when the binding's memory is full (then copied). */
  allocate(floats: number): Float32Array;
  /** Gives a buffer from `allocate` back; it must not be used afterwards. */
  release(buffer: Float32Array): void;
}

export interface InferenceBinding {
  readonly backend: BackendName;
  readonly backendClass: BackendClass;
  /** One decoder step over T query tokens. Calls are serialised by the binding. */
  forward(input: ForwardInput): Promise<ForwardOutput>;
  /**
   * Run the decoding heads of `kind` on N hidden states ([N, D] flattened). `depth` asks for the first
   * `depth` heads only; graphs without the contract's optional `num_heads` input compute all K anyway, so
   * read K' from the output's length. `roots` (N token ids: the token the base model chose after each
   * hidden state) is required by the kinds in `rootReading` and ignored by the others.
   */
  heads(kind: HeadKind, hidden: Float32Array, n: number, depth?: number, roots?: ArrayLike<number>): Promise<HeadsOutput>;
  /** Where K/V caches should live for this binding to read them without a copy (absent: anywhere). */
  readonly kvStorage?: KvStorage;
  /** Head kinds this binding has loaded. */
  readonly headKinds: readonly HeadKind[];
  /** Head kinds whose graphs compute only the heads asked for (`num_heads`, models/tools/depth_heads.py). */
  readonly depthSelectable: readonly HeadKind[];
  /** Head kinds whose graphs also read the root token (the contract's optional `root_token` input). */
  readonly rootReading: readonly HeadKind[];
  /**
   * Every row of a tree gets its AR step's logits bit for bit whatever the tree's shape and whatever the
   * base's precision (the fused kernel, by construction): a variant's `tree_shape: chains` then does not
   * apply. Absent: only what the variant says.
   */
  readonly treeRowsExact?: boolean;
  dispose(): Promise<void>;
}
