/**
 * `npm start` end to end, in one file so that its runs never overlap (each run rebuilds the launcher):
 * the official openai client against the dev server, and the command line's refusals.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import { fileURLToPath } from 'node:url';
import { clientChecks } from './client-checks';
import { startWranglerDev, type DevServer } from './wrangler-dev';

const root = fileURLToPath(new URL('../..', import.meta.url));
const DEV_API_KEY = 'sk-dev-local'; // wrangler.toml [vars]
const IDLE_TIMEOUT_MS = 3_000;

interface CerberusChunk {
  cerberus?: { steps: number; parallel_steps: number; ar_steps: number; mean_accepted_length: number };
}

describe('npm start (wrangler dev server) + the official openai client', () => {
  let server: DevServer;
  let client: OpenAI;
  let model: string;

  beforeAll(async () => {
    server = await startWranglerDev(root, process.env['CERBERUS_E2E_MODEL_DIR'], { TURN_IDLE_TIMEOUT_MS: String(IDLE_TIMEOUT_MS) });
    client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: DEV_API_KEY, maxRetries: 0 });
    const models = await client.models.list();
    model = models.data[0]!.id;
  });
  afterAll(async () => server?.stop());
  beforeEach(() => onTestFailed(() => console.error(`npm start output:\n${server?.output()}`)));

  const messages = [{ role: 'user' as const, content: 'Once upon a time, there was a little dog named Max.' }];

  it('streams a chat completion whose text equals the non-streamed one at temperature 0', async () => {
    const whole = await client.chat.completions.create({ model, messages, temperature: 0, max_tokens: 48 });
    const expected = whole.choices[0]?.message.content ?? '';
    expect(expected.length).toBeGreaterThan(0);
    expect(whole.usage?.completion_tokens).toBeGreaterThan(0);

    const stream = await client.chat.completions.create({ model, messages, temperature: 0, max_tokens: 48, stream: true });
    let streamed = '';
    let last: (OpenAI.Chat.Completions.ChatCompletionChunk & CerberusChunk) | undefined;
    for await (const chunk of stream) {
      streamed += chunk.choices[0]?.delta.content ?? '';
      last = chunk;
    }
    expect(streamed).toBe(expected);
    expect(last?.choices[0]?.finish_reason).toBe(whole.choices[0]?.finish_reason);
    expect(last?.usage?.completion_tokens).toBe(whole.usage?.completion_tokens);
    const stats = last?.cerberus;
    expect(stats?.steps).toBe((stats?.parallel_steps ?? 0) + (stats?.ar_steps ?? 0));
    expect(stats?.mean_accepted_length).toBeGreaterThanOrEqual(1);
  });

  it('continues a conversation in one session, reusing its cached prefix', async () => {
    const sessionId = `e2e-${Date.now()}`;
    const headers = { 'x-session-id': sessionId };
    const first = await client.chat.completions.create({ model, messages, temperature: 0, max_tokens: 24 }, { headers });
    const reply = first.choices[0]?.message.content ?? '';
    const second = await client.chat.completions.create(
      { model, temperature: 0, max_tokens: 24, messages: [...messages, { role: 'assistant', content: reply }, { role: 'user', content: 'One day' }] },
      { headers },
    );
    const cached = second.usage?.prompt_tokens_details?.cached_tokens ?? 0;
    const firstTurn = (first.usage?.prompt_tokens ?? 0) + (first.usage?.completion_tokens ?? 0);
    expect(cached).toBeGreaterThanOrEqual(firstTurn - 1); // the last reply token may not have K/V yet
    expect(cached).toBeLessThanOrEqual(firstTurn);
  });

  it('frees the session after the client disconnects mid-stream', async () => {
    const sessionId = `e2e-abort-${Date.now()}`;
    const headers = { 'x-session-id': sessionId };
    const stream = await client.chat.completions.create({ model, messages, temperature: 0, max_tokens: 256, stream: true }, { headers });
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) break; // leaving the loop aborts the HTTP request
    }
    const disconnectedAt = Date.now();
    // While the abandoned turn runs, the session answers 409. The disconnect reaches workerd (npm start
    // relays sockets to it, not through wrangler's proxy), so the turn usually stops within a step; the
    // idle timeout (TURN_IDLE_TIMEOUT_MS) is the bound a missed disconnect still meets (docs/load.md).
    let status = 0;
    while (Date.now() - disconnectedAt < IDLE_TIMEOUT_MS + 15_000) {
      const response = await fetch(`${server.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { ...headers, authorization: `Bearer ${DEV_API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model, messages, temperature: 0, max_tokens: 4 }),
      });
      status = response.status;
      await response.body?.cancel();
      if (status !== 409) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(status).toBe(200);
  });

  describe('other clients: the SDK in a browser, the Responses API, LangChain, the playground', () => clientChecks(() => ({ url: server.url, model, output: server.output })));
});

function npmStart(args: readonly string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', 'start', '--', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('npm start command line', () => {
  let taken: Server;
  let port: number;
  beforeAll(async () => {
    taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const address = taken.address();
    port = typeof address === 'object' && address !== null ? address.port : 0;
  });
  afterAll(() => new Promise<void>((r) => taken.close(() => r())));

  it('exits 2 with a clear message when the port is taken, instead of hanging', async () => {
    const { code, output } = await npmStart(['--ip', '127.0.0.1', '--port', String(port)]);
    expect(code).toBe(2);
    expect(output).toContain(`cannot listen on 127.0.0.1:${port} (EADDRINUSE)`);
  });

  it('exits 2 naming a bad option', async () => {
    const bad = await npmStart(['--port', 'eighty']);
    expect(bad.code).toBe(2);
    expect(bad.output).toContain('--port eighty: expected an integer');
    const unknown = await npmStart(['--turbo']);
    expect(unknown.code).toBe(2);
    expect(unknown.output).toContain("Unknown option '--turbo'");
  });
});
