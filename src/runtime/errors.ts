/**
 * The one error type the runtime layer throws. `code` lets callers branch (a service maps
 * `invalid-input` to a 400, `backend-unavailable` to a fallback) without parsing messages.
 */
export type BindingErrorCode =
  /** A forward/heads call got tensors that do not match the model (checked before ORT sees them). */
  | 'invalid-input'
  /** `backend` names nothing this package knows. */
  | 'unknown-backend'
  /** The backend is known but cannot run here (package missing, no GPU, wasm module not provided). */
  | 'backend-unavailable'
  /** The ONNX bytes load, but their inputs/outputs are not the ones docs/model-contract.md promises. */
  | 'model-contract'
  /** A head kind was asked for that the binding did not load. */
  | 'missing-heads'
  /** The binding was used after dispose(). */
  | 'disposed'
  /** ONNX Runtime itself failed (session creation or run). */
  | 'runtime-failure';

export class BindingError extends Error {
  override readonly name = 'BindingError';

  constructor(
    readonly code: BindingErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isBindingError(error: unknown, code?: BindingErrorCode): error is BindingError {
  return error instanceof BindingError && (code === undefined || error.code === code);
}
