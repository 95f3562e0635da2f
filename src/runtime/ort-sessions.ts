/**
 * Creates the ORT sessions of one model (base + heads per kind) and checks that their input and output
 * names are the ones docs/model-contract.md promises, so a wrong file fails at load with a clear message
 * instead of at the first forward with an ORT error.
 */
import type { ModelArchitecture } from './architecture';
import type { HeadKind } from './binding';
import { BindingError } from './errors';
import type { OrtApi, OrtSession, OrtSessionOptions } from './ort-api';

export interface ModelBytes {
  /** Absent for a heads-only binding (the fused kernel runs the base itself: backend-kernel.ts). */
  readonly base?: Uint8Array;
  readonly heads: Partial<Record<HeadKind, Uint8Array>>;
}

export interface ModelSessions {
  readonly base?: OrtSession;
  readonly heads: ReadonlyMap<HeadKind, OrtSession>;
}

export function baseInputNames(arch: ModelArchitecture): string[] {
  const names = ['input_ids', 'position_ids', 'attention_mask'];
  for (let i = 0; i < arch.n_layers; i++) names.push(`past.${i}.key`, `past.${i}.value`);
  return names;
}

export function baseOutputNames(arch: ModelArchitecture): string[] {
  const names = ['logits', 'hidden_states'];
  for (let i = 0; i < arch.n_layers; i++) names.push(`new.${i}.key`, `new.${i}.value`);
  return names;
}

function checkNames(what: string, kind: 'inputs' | 'outputs', actual: readonly string[], expected: string[]): void {
  const missing = expected.filter((name) => !actual.includes(name));
  const extra = actual.filter((name) => !expected.includes(name));
  if (missing.length > 0 || extra.length > 0) {
    throw new BindingError(
      'model-contract',
      `${what} ${kind} do not match docs/model-contract.md` +
        (missing.length > 0 ? `; missing: ${missing.join(', ')}` : '') +
        (extra.length > 0 ? `; unexpected: ${extra.join(', ')}` : '') +
        ' (does architecture.n_layers match the model?)',
    );
  }
}

async function createSession(ort: OrtApi, what: string, bytes: Uint8Array, options: OrtSessionOptions): Promise<OrtSession> {
  try {
    return await ort.InferenceSession.create(bytes, options);
  } catch (cause) {
    throw new BindingError('runtime-failure', `cannot load ${what}: ${String(cause)}`, { cause });
  }
}

/** `headsOptions`: the heads sessions' own options where they differ from the base's (default: the same). */
export async function createModelSessions(
  ort: OrtApi,
  arch: ModelArchitecture,
  bytes: ModelBytes,
  options: OrtSessionOptions,
  headsOptions: OrtSessionOptions = options,
): Promise<ModelSessions> {
  const created: OrtSession[] = [];
  try {
    let base: OrtSession | undefined;
    if (bytes.base !== undefined) {
      base = await createSession(ort, 'base.onnx', bytes.base, options);
      created.push(base);
      checkNames('base.onnx', 'inputs', base.inputNames, baseInputNames(arch));
      checkNames('base.onnx', 'outputs', base.outputNames, baseOutputNames(arch));
    }
    const heads = new Map<HeadKind, OrtSession>();
    for (const [kind, headBytes] of Object.entries(bytes.heads) as [HeadKind, Uint8Array | undefined][]) {
      if (headBytes === undefined) continue;
      const session = await createSession(ort, `heads-${kind}.onnx`, headBytes, headsOptions);
      created.push(session);
      // the optional inputs (docs/model-contract.md): num_heads (depth), root_token (root-reading heads)
      const optional = ['root_token', 'num_heads'].filter((name) => session.inputNames.includes(name));
      checkNames(`heads-${kind}.onnx`, 'inputs', session.inputNames, ['hidden_states', ...optional]);
      checkNames(`heads-${kind}.onnx`, 'outputs', session.outputNames, ['head_logits']);
      heads.set(kind, session);
    }
    return base === undefined ? { heads } : { base, heads };
  } catch (error) {
    await Promise.allSettled(created.map((session) => session.release()));
    throw error;
  }
}
