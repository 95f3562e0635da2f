/** Engine failures in API terms: the caller's mistakes are 4xx and say what to change, the rest is 500. */
import { isEngineError, type EngineErrorCode } from '../engine';
import { ApiError, type ErrorInfo, type ErrorStatus } from '../api-error';

const STATUS_BY_CODE: Readonly<Record<EngineErrorCode, { status: ErrorStatus; code: string }>> = {
  'context-overflow': { status: 400, code: 'context_length_exceeded' },
  'invalid-options': { status: 400, code: 'invalid_options' },
  'unknown-token': { status: 400, code: 'invalid_prompt' },
  'unsupported-head-kind': { status: 400, code: 'unsupported_head_kind' },
  busy: { status: 409, code: 'session_busy' },
  'invalid-gate-state': { status: 500, code: 'session_state_corrupt' },
  'invalid-manifest': { status: 503, code: 'model_unavailable' },
  'model-file-missing': { status: 503, code: 'model_unavailable' },
  'model-file-corrupt': { status: 503, code: 'model_unavailable' },
  'backend-error': { status: 500, code: 'inference_failed' },
};

/** A caller's mistake the engine found (a 4xx), as the ApiError a route throws; anything else is rethrown. */
export function toApiError(error: unknown, param: string): ApiError {
  if (!isEngineError(error) || STATUS_BY_CODE[error.code].status >= 500) throw error;
  return new ApiError({ ...STATUS_BY_CODE[error.code], message: error.message, param });
}

export function toErrorInfo(error: unknown, log: (error: unknown) => void): ErrorInfo {
  if (error instanceof ApiError) return error.toInfo();
  if (isEngineError(error)) {
    const mapped = STATUS_BY_CODE[error.code];
    if (mapped.status < 500) return { ...mapped, message: error.message };
    // Server-side failures are logged in full; the caller learns only what kind of failure it was.
    log(error);
    return {
      ...mapped,
      message: `The server could not run the model (${error.code}). Retry; if it persists, report it.`,
      ...(mapped.status === 503 ? { retryAfterSeconds: 30 } : {}),
    };
  }
  log(error);
  return { status: 500, code: 'internal_error', message: 'The session failed while handling this turn. Retry; if it persists, report it.' };
}
