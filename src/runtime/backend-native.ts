/**
 * onnxruntime-node: native CPU, or CUDA where its execution provider is installed. Node and Deno only;
 * loaded with a computed specifier so workerd bundles (wrangler/esbuild) never try to include the addon.
 */
import type { ModelArchitecture } from './architecture';
import type { InferenceBinding } from './binding';
import { RUNTIME } from './environment';
import { BindingError } from './errors';
import type { OrtApi } from './ort-api';
import { createOrtBinding } from './ort-binding';
import { createModelSessions, type ModelBytes } from './ort-sessions';

const NATIVE_PACKAGE = 'onnxruntime-node';

interface NativeModule extends OrtApi {
  listSupportedBackends?: () => readonly { name: string; bundled: boolean }[];
}

let loading: Promise<NativeModule> | undefined;
/** Why CUDA could not start (never a bad model's error), once learnt: later attempts fail fast instead of re-probing ORT. */
let cudaUnavailable: BindingError | undefined;

async function importNative(): Promise<NativeModule> {
  if (!RUNTIME.isNode && !RUNTIME.isDeno) {
    throw new BindingError('backend-unavailable', 'onnxruntime-node runs in Node and Deno only');
  }
  try {
    const namespace = (await import(/* @vite-ignore */ NATIVE_PACKAGE)) as { default?: NativeModule } & NativeModule;
    // A CommonJS package: its module.exports is the default export under ESM.
    return namespace.default ?? namespace;
  } catch (cause) {
    throw new BindingError('backend-unavailable', `onnxruntime-node does not load here: ${String(cause)}`, { cause });
  }
}

export function loadNative(): Promise<NativeModule> {
  loading ??= importNative();
  return loading;
}

/**
 * One intra-op thread unless asked for more. ORT's own default (one per physical core) lost on every
 * measurement here: 2 cores, tinystories-6m, non-spinning workers (`npm run bench:peer`, 2026-12-01):
 * AR 665 vs 731 tokens/s, Cerberus + gate 1,207 vs 1,286, int8 Cerberus + gate 1,194 vs 1,551 — at
 * M = 1-16 rows the operators are too small to split, and the hand-off costs more than the second core
 * gives. Spinning workers make a second thread pay for AR on idle cores only (backend notes below).
 */
export const DEFAULT_NATIVE_THREADS = 1;

export interface NativeOptions {
  readonly cuda: boolean;
  /** Intra-op threads; undefined = 1 (DEFAULT_NATIVE_THREADS). */
  readonly threads?: number;
  /** Let intra-op workers spin between operators (see the session options below). */
  readonly spinning?: boolean;
  /** See CreateBindingOptions.minRowsPerRun. */
  readonly minRowsPerRun?: number;
}

export async function createNativeBinding(
  arch: ModelArchitecture,
  bytes: ModelBytes,
  options: NativeOptions,
): Promise<InferenceBinding> {
  const ort = await loadNative();
  if (options.cuda && cudaUnavailable !== undefined) throw cudaUnavailable;
  if (options.cuda && !(ort.listSupportedBackends?.() ?? []).some((b) => b.name === 'cuda')) {
    cudaUnavailable = new BindingError('backend-unavailable', 'this onnxruntime-node build has no CUDA execution provider');
    throw cudaUnavailable;
  }
  const sessionOptions = {
    executionProviders: [options.cuda ? 'cuda' : 'cpu'],
    graphOptimizationLevel: 'all' as const,
    // ORT's intra-op workers spin-wait after every op by default. With more than one thread on a small
    // shared machine the spinning worker takes the core the JS thread and other jobs need: measured on
    // tinystories-6m (2 cores, default threads) AR 3.7–5.5 ms/step with spinning, 1.5–2.7 without, and
    // T = 8–16 tree forwards 1.9–2.8 AR steps instead of the start-up curve's 1.1–1.6.
    // Opt back in (`spinning: true`) on dedicated cores, where it is what makes a second thread pay.
    extra: { session: { intra_op: { allow_spinning: options.spinning === true ? '1' : '0' } } },
    intraOpNumThreads: options.threads ?? DEFAULT_NATIVE_THREADS,
  };
  // The heads call is a few small GEMVs (0.1-0.4 ms): a second thread cannot pay there, and each session has
  // its own intra-op pool, so a spinning heads pool would hold a core while the base runs. Measured with
  // 2 spinning threads on an idle 2-core machine: AR 940 tokens/s (719 on one thread) but Cerberus + gate 686
  // (1,153 on one) while the heads had the base's threads too.
  const headsOptions = { ...sessionOptions, intraOpNumThreads: 1, extra: { session: { intra_op: { allow_spinning: '0' } } } };
  try {
    const sessions = await createModelSessions(ort, arch, bytes, sessionOptions, headsOptions);
    return createOrtBinding({
      backend: options.cuda ? 'native-cuda' : 'native-cpu',
      backendClass: options.cuda ? 'gpu' : 'native',
      ort,
      architecture: arch,
      sessions,
      ...(options.minRowsPerRun === undefined ? {} : { minRowsPerRun: options.minRowsPerRun }),
    });
  } catch (error) {
    if (options.cuda && error instanceof BindingError && error.code === 'runtime-failure') {
      await blameCudaOrModel(ort, arch, bytes, { ...sessionOptions, executionProviders: ['cpu'] }, error);
    }
    throw error;
  }
}

/**
 * A CUDA session that fails to start is either CUDA's fault (no driver, no GPU, libraries missing: the
 * backend is unavailable for the whole process, and the caller falls back to the CPU) or the model's. Only
 * the CPU taking the same model tells them apart; without that check, one bad model would disable CUDA for
 * every later, valid one. When the CPU fails too, its error (the model's) is what the caller gets.
 */
async function blameCudaOrModel(
  ort: NativeModule,
  arch: ModelArchitecture,
  bytes: ModelBytes,
  cpuOptions: Parameters<typeof createModelSessions>[3],
  cudaError: BindingError,
): Promise<never> {
  const cpu = await createModelSessions(ort, arch, bytes, cpuOptions);
  await Promise.allSettled([...(cpu.base === undefined ? [] : [cpu.base]), ...cpu.heads.values()].map((session) => session.release()));
  cudaUnavailable = new BindingError('backend-unavailable', `CUDA execution provider failed to start: ${cudaError.message}`, {
    cause: cudaError,
  });
  throw cudaUnavailable;
}
