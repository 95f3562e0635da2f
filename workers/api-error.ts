/**
 * The service's one error type. Every failure a caller can see is an `ApiError`, rendered in OpenAI's
 * error shape so existing clients surface it unchanged: `{ error: { message, type, param, code } }`.
 */

export const ERROR_STATUSES = [400, 401, 403, 404, 409, 413, 415, 429, 500, 503] as const;
export type ErrorStatus = (typeof ERROR_STATUSES)[number];

const TYPE_BY_STATUS: Readonly<Record<ErrorStatus, string>> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  409: 'conflict_error',
  413: 'invalid_request_error',
  415: 'invalid_request_error',
  429: 'rate_limit_error',
  500: 'server_error',
  503: 'server_error',
};

/** Plain-data form: crosses Durable Object RPC (class instances do not) and is rebuilt on the other side. */
export interface ErrorInfo {
  readonly status: ErrorStatus;
  readonly code: string;
  readonly message: string;
  readonly param?: string | null;
  readonly retryAfterSeconds?: number;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: ErrorStatus;
  readonly code: string;
  readonly param: string | null;
  readonly retryAfterSeconds: number | undefined;

  constructor(info: ErrorInfo) {
    super(info.message);
    this.status = info.status;
    this.code = info.code;
    this.param = info.param ?? null;
    this.retryAfterSeconds = info.retryAfterSeconds;
  }

  get type(): string {
    return TYPE_BY_STATUS[this.status];
  }

  toInfo(): ErrorInfo {
    return {
      status: this.status,
      code: this.code,
      message: this.message,
      param: this.param,
      ...(this.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: this.retryAfterSeconds }),
    };
  }

  /** OpenAI's error object, also sent as the last event of a stream that fails part-way. */
  toBody(): { error: { message: string; type: string; param: string | null; code: string } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }

  getResponse(): Response {
    const headers = new Headers({ 'content-type': 'application/json; charset=utf-8' });
    if (this.retryAfterSeconds !== undefined) headers.set('retry-after', String(this.retryAfterSeconds));
    if (this.status === 401) headers.set('www-authenticate', 'Bearer');
    return new Response(JSON.stringify(this.toBody()), { status: this.status, headers });
  }
}

export const badRequest = (code: string, message: string, param: string | null = null): ApiError =>
  new ApiError({ status: 400, code, message, param });

export const notFound = (code: string, message: string): ApiError => new ApiError({ status: 404, code, message });

/** The model cannot be loaded (missing or corrupt files, a bad manifest): the server is up but not ready. */
export const modelUnavailable = (cause: unknown): ApiError => {
  const error = new ApiError({
    status: 503,
    code: 'model_unavailable',
    message: 'The model could not be loaded; the server is not ready. Retry later; an operator can see why in the log and GET /readyz.',
    retryAfterSeconds: 30,
  });
  error.cause = cause;
  return error;
};
