import { parseManifest, type Manifest } from '../model/manifest';
import { readFile, readVerifiedFiles } from '../model/verify-files';
import { HEAD_KINDS, type BackendName, type HeadKind, type InferenceBinding } from '../runtime/binding';
import type { ModelArchitecture } from '../runtime/architecture';
import { createBinding } from '../runtime/index';
import { ObservedCost } from '../gate/observed-cost';
import { TextTokenizer } from '../tokenizer/text-tokenizer';
import { compileTree } from '../tree/compile-tree';
import type { CostModel, LoadModelOptions, ModelSource, SessionOptions } from '../types';
import { ENGINE_CONFIG, type EngineConfig } from './config';
import { measureCostModel, type StepCostsByClass } from './cost-model';
import { EngineError } from '../errors';
import { asBackendError } from '../decoding/model-calls';
import type { ModelParts } from './model-parts';
import type { TreeShape } from '../decoding/tree-policy';
import { validateCostModel } from './validate-options';
import { Session } from './session';
import { mayRunOnKernel, nativeCpuHeads } from './native-heads';

/** A loaded model: shared, read-only; each conversation gets its own Session. */
export interface Model {
  readonly manifest: Manifest;
  readonly tokenizer: TextTokenizer;
  readonly backend: BackendName;
  readonly headKinds: readonly HeadKind[];
  readonly costModel: CostModel;
  createSession(options: SessionOptions): Session;
  dispose(): Promise<void>;
}


/**
 * Reads and validates manifest.json, checks every file's size and sha256, creates the inference binding
 * (best backend unless one is named), loads the tokenizer and calibrates the cost model.
 */
export async function loadModel(source: ModelSource, options: LoadModelOptions = {}): Promise<Model> {
  const given = options.costModel === undefined || options.costModel === 'measure' ? undefined : validateCostModel(options.costModel);
  const manifest = parseManifest(await readFile(source, 'manifest.json'));
  checkTrees(manifest);
  const variant = variantOf(manifest, options.baseVariant, 'baseVariant');
  // The fused kernel reads fp32 heads graphs itself (kernel-heads.ts, int8 at load): unless told which heads, a variant's
  // base there proposes with those, its own heads kept for onnxruntime-node should the binding land there.
  const kernelHeads = options.headsVariant === undefined && variant !== undefined && mayRunOnKernel(options.backend ?? 'auto');
  const headsVariant =
    options.headsVariant === undefined ? (kernelHeads ? undefined : variant) : options.headsVariant === FP32 ? undefined : variantOf(manifest, options.headsVariant, 'headsVariant');
  const baseFile = variant?.file ?? manifest.base.file;
  const headsFile = (kind: HeadKind, fp32: string) => headsVariant?.heads?.[kind] ?? fp32;
  // Unless told which heads, an fp32 base on native-cpu proposes with the int8 heads (native-heads.ts).
  const nativeHeads =
    options.headsVariant === undefined && variant === undefined ? nativeCpuHeads(manifest, options.backend ?? 'auto') : kernelHeads ? variant?.heads : undefined;
  const chosen = new Set([baseFile, ...HEAD_KINDS.map((k) => headsFile(k, manifest.heads[k]?.file ?? '')), ...Object.values(nativeHeads ?? {})]);
  // Graphs of the other precision are never read (a Worker would hold their bytes for nothing).
  const unused = new Set(
    [manifest.base.file, ...HEAD_KINDS.map((k) => manifest.heads[k]?.file)]
      .concat(Object.values(manifest.base.variants ?? {}).flatMap((v) => [v.file, v.heads?.cerberus, v.heads?.medusa]))
      .filter((f): f is string => f !== undefined && !chosen.has(f)),
  );
  const files = await readVerifiedFiles(source, manifest, new Set(Object.keys(manifest.files).filter((f) => !unused.has(f))));
  const file = (name: string) => files.get(name)!;
  const tokenizer = TextTokenizer.fromJson(
    file(manifest.tokenizer.file),
    { id: manifest.tokenizer.eos_token_id, token: manifest.tokenizer.eos_token },
    { file: manifest.tokenizer.file, ...(manifest.tokenizer.config === undefined ? {} : { config: manifest.tokenizer.config }) },
  );

  const kinds = options.headKinds ?? HEAD_KINDS.filter((k) => manifest.heads[k] !== undefined);
  const heads: Partial<Record<HeadKind, Uint8Array>> = {};
  const headsOnNativeCpu: Partial<Record<HeadKind, Uint8Array>> = {};
  for (const kind of kinds) {
    const entry = manifest.heads[kind];
    if (entry === undefined) throw new EngineError('unsupported-head-kind', `the manifest has no ${kind} heads`);
    heads[kind] = file(headsFile(kind, entry.file));
    const native = nativeHeads?.[kind];
    headsOnNativeCpu[kind] = native === undefined ? heads[kind] : file(native);
  }

  const minRowsPerRun = variant?.min_rows_per_run;
  const binding = await createModelBinding(file(baseFile), heads, bindingArchitecture(manifest, kinds), {
    ...options,
    ...(nativeHeads === undefined ? {} : { nativeCpuHeads: headsOnNativeCpu }),
    ...(minRowsPerRun === undefined ? {} : { minRowsPerRun }),
    maskValue: manifest.base.mask_value,
  });
  try {
    const stepCosts = variant === undefined ? manifest.step_costs : variant.step_costs;
    const costModel: CostModel = given === undefined ? await measure(binding, manifest, stepCosts) : { ...given, source: 'given' };
    const treeShape = binding.treeRowsExact === true ? 'any' : (variant?.tree_shape ?? 'any');
    return assemble(manifest, tokenizer, binding, costModel, ENGINE_CONFIG, treeShape);
  } catch (error) {
    await binding.dispose();
    throw error;
  }
}

type BaseVariant = NonNullable<Manifest['base']['variants']>[string];

/** `headsVariant`'s name for the manifest's own (fp32) heads. */
const FP32 = 'fp32';

function variantOf(manifest: Manifest, variant: string | undefined, option: string): BaseVariant | undefined {
  if (variant === undefined) return undefined;
  const entry = manifest.base.variants?.[variant];
  if (entry === undefined) {
    const known = Object.keys(manifest.base.variants ?? {});
    throw new EngineError('invalid-options', `${option} "${variant}" is not in this model's manifest (has: ${known.join(', ') || 'none'})`);
  }
  return entry;
}

/** The static trees must compile for every head kind present (depth <= its heads, parents first). */
function checkTrees(manifest: Manifest): void {
  const depth = Math.min(...HEAD_KINDS.map((k) => manifest.heads[k]?.num_heads ?? Infinity));
  const sets = [
    ['trees', manifest.trees, depth] as const,
    ...HEAD_KINDS.map((k) => [`heads.${k}.trees`, manifest.heads[k]?.trees, manifest.heads[k]?.num_heads ?? 0] as const),
  ];
  for (const [where, trees, heads] of sets) {
    for (const [backendClass, paths] of Object.entries(trees ?? {})) {
      try {
        compileTree(paths, heads);
      } catch (cause) {
        const detail = cause instanceof Error ? cause.message : String(cause);
        throw new EngineError('invalid-manifest', `manifest.json ${where}.${backendClass}: ${detail}`, { file: 'manifest.json', cause });
      }
    }
  }
}

/**
 * What a binding checks the graphs of `kinds` against: the manifest's architecture, K per kind, and the
 * width of a shortlisted kind's head_logits where the manifest lists its ids.
 */
export function bindingArchitecture(manifest: Manifest, kinds: readonly HeadKind[]): ModelArchitecture {
  const decodingHeads: Partial<Record<HeadKind, number>> = {};
  const headColumns: Partial<Record<HeadKind, number>> = {};
  for (const kind of kinds) {
    const entry = manifest.heads[kind];
    if (entry === undefined) continue;
    decodingHeads[kind] = entry.num_heads;
    if (entry.shortlist?.ids !== undefined) headColumns[kind] = entry.shortlist.ids.length;
  }
  return { ...manifest.architecture, decoding_heads: decodingHeads, head_columns: headColumns };
}

async function createModelBinding(
  base: Uint8Array,
  heads: Partial<Record<HeadKind, Uint8Array>>,
  architecture: ModelArchitecture,
  options: LoadModelOptions & {
    readonly minRowsPerRun?: number;
    readonly nativeCpuHeads?: Partial<Record<HeadKind, Uint8Array>>;
    readonly maskValue?: number;
  },
): Promise<InferenceBinding> {
  return asBackendError('creating the inference binding', () =>
    createBinding({
      backend: options.backend ?? 'auto',
      base,
      heads,
      ...(options.nativeCpuHeads === undefined ? {} : { nativeCpuHeads: options.nativeCpuHeads }),
      architecture,
      ...(options.threads === undefined ? {} : { threads: options.threads }),
      ...(options.spinning === undefined ? {} : { spinning: options.spinning }),
      ...(options.minRowsPerRun === undefined ? {} : { minRowsPerRun: options.minRowsPerRun }),
      ...(options.maskValue === undefined ? {} : { maskValue: options.maskValue }),
      ...(options.log === undefined ? {} : { log: options.log }),
    }),
  );
}

function measure(binding: InferenceBinding, manifest: Manifest, stepCosts: StepCostsByClass | undefined): Promise<CostModel> {
  return asBackendError('cost calibration', () => measureCostModel(binding, manifest, stepCosts));
}

function assemble(
  manifest: Manifest,
  tokenizer: TextTokenizer,
  binding: InferenceBinding,
  costModel: CostModel,
  config: EngineConfig,
  treeShape: TreeShape,
): Model {
  const parts: ModelParts = {
    manifest,
    tokenizer,
    binding,
    costModel,
    config,
    treeShape,
    observedCost: new ObservedCost(),
    requireHeads(kind) {
      if (manifest.heads[kind] === undefined || !binding.headKinds.includes(kind)) {
        throw new EngineError(
          'unsupported-head-kind',
          `${kind} heads are not loaded (loaded: ${binding.headKinds.join(', ') || 'none'}); use mode 'ar' or load them`,
        );
      }
    },
  };
  return {
    manifest,
    tokenizer,
    backend: binding.backend,
    headKinds: binding.headKinds,
    costModel,
    createSession: (options) => new Session(parts, options),
    dispose: () => binding.dispose(),
  };
}
