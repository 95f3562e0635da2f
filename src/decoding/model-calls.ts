import { EngineError } from '../errors';
import type { KvCache } from '../kv/kv-cache';
import type { ForwardOutput, HeadKind, InferenceBinding } from '../runtime/binding';

/** Runtime failures reach callers as one error type (`backend-error`); the original stays as `cause`. */
export async function asBackendError<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (cause) {
    if (cause instanceof EngineError) throw cause;
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw new EngineError('backend-error', `${what} failed: ${detail}`, { cause });
  }
}

/**
 * One base forward of `tokens` after everything in the cache (the cache is not modified). `logitRows`:
 * ForwardInput.logitRows (a prompt chunk needs only its last row's).
 */
export function forward(
  binding: InferenceBinding,
  cache: KvCache,
  tokens: ArrayLike<number>,
  positions: ArrayLike<number>,
  mask: Float32Array,
  logitRows: 'all' | 'last' = 'all',
): Promise<ForwardOutput> {
  const input = { inputIds: tokens, positionIds: positions, mask, past: cache.past(), pastLength: cache.length, pastLayout: cache.layout, logitRows };
  return asBackendError('base forward', () => binding.forward(input));
}

/**
 * Head logits [K', V] for one hidden state: the first `depth` heads where the graph can skip heads, else all
 * K. `root` is the token the base model chose after that state (root-reading heads take it).
 */
export function runHeads(binding: InferenceBinding, kind: HeadKind, hidden: Float32Array, depth: number, root: number) {
  return asBackendError(`${kind} heads`, () => binding.heads(kind, hidden, 1, depth, [root]));
}
