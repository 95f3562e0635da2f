/**
 * Node entry: a response sent before its request body was read (413 from the size check, 401 before the
 * body is looked at) leaves the rest of that body in the connection. @hono/node-server then drains it for
 * at most 500 ms or drops the socket, and a keep-alive client's next request on it failed ("Server
 * disconnected without sending a response"). `Connection: close` tells the client up front that this
 * connection ends with the response, so it opens a new one.
 */
type Fetch = (request: Request, ...rest: never[]) => Response | Promise<Response>;

export function closeAfterUnreadBody<F extends Fetch>(fetch: F): F {
  const wrapped = async (request: Request, ...rest: never[]) => {
    const response = await fetch(request, ...rest);
    if (request.body === null || request.bodyUsed) return response;
    const headers = new Headers(response.headers);
    headers.set('connection', 'close');
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  };
  return wrapped as F;
}
