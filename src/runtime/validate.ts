/**
 * Input checks done in TypeScript before ORT sees a tensor: ORT's own errors for a bad shape are
 * opaque ("Got invalid dimensions for input"), and a token id out of range can read out of bounds in
 * Gather instead of failing.
 */
import { kvSize, type ModelArchitecture } from './architecture';
import type { ForwardInput } from './binding';
import { BindingError } from './errors';

function invalid(message: string): never {
  throw new BindingError('invalid-input', message);
}

function isCount(value: number, min: number): boolean {
  return Number.isInteger(value) && value >= min;
}

export function validateArchitecture(arch: ModelArchitecture): void {
  for (const key of ['vocab_size', 'd_model', 'n_layers', 'n_kv_heads', 'head_dim'] as const) {
    if (!isCount(arch[key], 1)) {
      invalid(`architecture.${key} must be a positive integer, got ${String(arch[key])}`);
    }
  }
}

export function validateForward(arch: ModelArchitecture, input: ForwardInput): void {
  const t = input.inputIds.length;
  const p = input.pastLength;
  if (t < 1) invalid('inputIds is empty: a forward needs at least one query token');
  if (!isCount(p, 0)) invalid(`pastLength must be a non-negative integer, got ${p}`);
  if (input.positionIds.length !== t) {
    invalid(`positionIds has ${input.positionIds.length} entries, expected one per input token (${t})`);
  }
  for (let i = 0; i < t; i++) {
    const id = input.inputIds[i] as number;
    if (!Number.isInteger(id) || id < 0 || id >= arch.vocab_size) {
      invalid(`inputIds[${i}] = ${id} is not a token id in [0, ${arch.vocab_size})`);
    }
    const position = input.positionIds[i] as number;
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
        `past[${i}] holds ${layer.key.length} key / ${layer.value.length} value floats, expected ` +
          `H_kv*P*D_h = ${arch.n_kv_heads}*${p}*${arch.head_dim} = ${expected} (pastLength = ${p})`,
      );
    }
  });
}

/** `roots`: undefined where the graph reads none, null where it needs them and none were given. */
export function validateHeads(
  arch: ModelArchitecture,
  hidden: Float32Array,
  n: number,
  depth?: number,
  roots?: ArrayLike<number> | null,
): void {
  if (!isCount(n, 1)) invalid(`heads needs n >= 1 hidden states, got ${n}`);
  if (depth !== undefined && !isCount(depth, 1)) invalid(`heads depth must be an integer >= 1, got ${depth}`);
  if (hidden.length !== n * arch.d_model) {
    invalid(`hidden has ${hidden.length} floats, expected n*d_model = ${n}*${arch.d_model} = ${n * arch.d_model}`);
  }
  if (roots === null) invalid('these heads read the root token: pass one root token id per hidden state');
  if (roots !== undefined) {
    if (roots.length !== n) invalid(`roots has ${roots.length} ids, expected one per hidden state (${n})`);
    for (let i = 0; i < n; i++) {
      if (!isCount(roots[i]!, 0) || roots[i]! >= arch.vocab_size) invalid(`root token ${roots[i]} is not a token id (vocab ${arch.vocab_size})`);
    }
  }
}
