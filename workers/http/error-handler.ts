import type { ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { ApiError } from '../api-error';

export type ErrorLogger = (error: unknown) => void;

/** The app's one `onError`: ApiErrors render as they are, anything else is logged and becomes a 500. */
export function errorHandler(log: ErrorLogger = (error) => console.error(error)): ErrorHandler {
  return function errorHandler(error) {
    if (error instanceof ApiError) {
      // A refusal caused by a server-side failure (the model unavailable) is logged with that cause; the
      // caller's mistakes and deliberate refusals (an overloaded queue) are not.
      if (error.status >= 500 && error.cause !== undefined) log(error.cause);
      return error.getResponse();
    }
    if (error instanceof HTTPException && error.status < 500) {
      return new ApiError({ status: 400, code: 'bad_request', message: error.message || 'Bad request.' }).getResponse();
    }
    log(error);
    return new ApiError({
      status: 500,
      code: 'internal_error',
      message: 'The server failed while handling this request. Retry; if it persists, report it with the time of the request.',
    }).getResponse();
  };
}

const V1_ROUTES =
  'POST /v1/chat/completions, POST /v1/completions, POST /v1/responses, GET /v1/models, GET /v1/models/{id}, GET /v1/metrics, GET /v1/tenant';

export const notFoundHandler: NotFoundHandler = function notFound(c) {
  const path = new URL(c.req.url).pathname;
  const hint = path === '/v1' || path.startsWith('/v1/') ? `The routes under /v1 are ${V1_ROUTES}.` : 'The API lives under /v1 (see README).';
  return new ApiError({ status: 404, code: 'route_not_found', message: `No route for ${c.req.method} ${path}. ${hint}` }).getResponse();
};
