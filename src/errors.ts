/**
 * The engine's one error type. `code` is stable and machine-readable (the service maps it to an HTTP
 * status; kebab-case like the runtime's `BindingError`, which the engine wraps as `backend-error` with the
 * original as `cause`); `message` says what went wrong and what the caller can do about it.
 */
export type EngineErrorCode =
  /** manifest.json is not valid JSON or does not follow docs/model-contract.md. */
  | 'invalid-manifest'
  /** A file named in the manifest could not be read. */
  | 'model-file-missing'
  /** A file's size or sha256 does not match the manifest. */
  | 'model-file-corrupt'
  /** The runtime binding could not be created or failed during a forward pass. */
  | 'backend-error'
  /** The requested head kind is not in the manifest or not loaded by the binding. */
  | 'unsupported-head-kind'
  /** Generation or session options are out of range. */
  | 'invalid-options'
  /** A persisted gate state could not be restored. */
  | 'invalid-gate-state'
  /** A prompt token id is not an integer in [0, vocab_size). */
  | 'unknown-token'
  /** The prompt does not fit the model's context window. */
  | 'context-overflow'
  /** The session is already generating; one generation at a time. */
  | 'busy';

export class EngineError extends Error {
  override readonly name = 'EngineError';
  readonly code: EngineErrorCode;
  /** The model file concerned, for load errors. */
  readonly file: string | undefined;

  constructor(code: EngineErrorCode, message: string, options: { file?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.file = options.file;
  }
}

export function isEngineError(value: unknown, code?: EngineErrorCode): value is EngineError {
  return value instanceof EngineError && (code === undefined || value.code === code);
}
