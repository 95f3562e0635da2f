/**
 * A loopback TCP relay for `npm start`: every client connection is piped byte for byte to workerd's own
 * HTTP socket, so a client that closes its connection closes workerd's too (which aborts `request.signal`),
 * and responses stream through unbuffered. The target is read per connection: wrangler moves workerd to
 * another port when it reloads the Worker.
 */
import { connect, createServer, type Socket } from 'node:net';

export interface FrontSocket {
  readonly port: number;
  close(): Promise<void>;
}

export async function startFrontSocket(
  hostname: string,
  port: number,
  target: () => { readonly hostname: string; readonly port: number } | undefined,
): Promise<FrontSocket> {
  const open = new Set<Socket>();
  const server = createServer((client) => {
    const to = target();
    if (to === undefined) {
      // Not loaded yet (or reloading): an HTTP answer a client can act on, rather than a reset.
      client.end('HTTP/1.1 503 Service Unavailable\r\nretry-after: 1\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
      return;
    }
    const upstream = connect(to.port, to.hostname);
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.setNoDelay(true);
      socket.on('close', () => open.delete(socket));
    }
    // Either side going away ends both: that close is the disconnect workerd must see.
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, hostname, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
