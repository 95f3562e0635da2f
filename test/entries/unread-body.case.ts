/**
 * A keep-alive client whose request body the server refused unread (413) must be able to send its next
 * request: the server says `Connection: close` and the client opens a new connection, instead of the
 * old one being dropped under the next request.
 */
import { Agent, request } from 'node:http';
import { expect, it } from 'vitest';

interface Answer {
  status: number;
  connection: string | undefined;
  body: string;
}

function send(agent: Agent, url: string, method: string, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { authorization: 'Bearer sk-dev-local' };
    if (body !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    const req = request(url, { method, agent, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

export function unreadBodyTest(baseUrl: () => string): void {
  it('answers the request after a refused oversized body on the same keep-alive client', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const oversized = JSON.stringify({ model: 'any', prompt: 'a'.repeat(300 * 1024) });
      const refused = await send(agent, `${baseUrl()}/v1/completions`, 'POST', oversized);
      expect(refused.status).toBe(413);
      expect(JSON.parse(refused.body)).toMatchObject({ error: { code: 'payload_too_large' } });
      for (let i = 0; i < 3; i++) expect((await send(agent, `${baseUrl()}/v1/models`, 'GET')).status).toBe(200);
      expect(refused.connection).toBe('close');
    } finally {
      agent.destroy();
    }
  });
}
