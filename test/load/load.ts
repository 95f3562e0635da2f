/**
 * `npm run load`: a bounded load test on loopback against `npm start` (wrangler's dev server) and the Node
 * entry. Per target: 16 and 64 concurrent sessions x 3 streamed turns, a burst of 200 non-streamed
 * requests with /healthz probed throughout, and (with --many N) N one-turn sessions for memory.
 *
 *   npm run load -- [--target wrangler,node] [--sessions 16,64] [--turns 3] [--burst 200] [--many 1000]
 *                   [--max-tokens 64] [--model-dir DIR] [--url http://...  (an already running server)]
 *
 * It creates its own tenant through the admin API (the dev tenant's rate limit would cap the run).
 */
import { parseArgs } from 'node:util';
import { burst, conversations, manySessions, type Client, type Outcomes } from './scenarios';
import { startServer, type LoadServer, type Target } from './server';

// npm runs scripts from the package root; the bundle itself lives under node_modules/.cache.
const root = process.cwd();

const { values } = parseArgs({
  options: {
    target: { type: 'string', default: 'wrangler,node' },
    sessions: { type: 'string', default: '16,64' },
    turns: { type: 'string', default: '3' },
    burst: { type: 'string', default: '200' },
    many: { type: 'string', default: '0' },
    'max-tokens': { type: 'string', default: '64' },
    'model-dir': { type: 'string' },
    url: { type: 'string' },
    'admin-secret': { type: 'string', default: 'dev-admin-secret' },
  },
});

const list = (text: string) => text.split(',').filter((s) => s.length > 0).map(Number);
const maxTokens = Number(values['max-tokens']);

function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const ms = (v: number | null) => (v === null ? '-' : `${v.toFixed(0)} ms`);
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
const statuses = (o: Outcomes) =>
  [...o.byStatus].sort().map(([s, n]) => `${s}:${n}`).join(' ') + (o.withoutRetryAfter > 0 ? ` (${o.withoutRetryAfter} without Retry-After)` : '');

async function loadClient(url: string, adminSecret: string): Promise<Client> {
  const created = await fetch(`${url}/admin/tenants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminSecret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'load test', config: { rate_limit_per_minute: 1_000_000, max_concurrent: 1024, max_tokens: Math.max(maxTokens, 64) } }),
  });
  if (created.status !== 201) throw new Error(`creating the load tenant: HTTP ${created.status} ${await created.text()}`);
  const { api_key: key } = (await created.json()) as { api_key: string };
  const models = (await (await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${key}` } })).json()) as { data: { id: string }[] };
  return { url, key, model: models.data[0]!.id };
}

async function run(name: string, server: Pick<LoadServer, 'url' | 'adminSecret' | 'rss'>): Promise<void> {
  const tag = `${Date.now().toString(36)}`;
  const client = await loadClient(server.url, server.adminSecret);
  let peak = server.rss();
  const sampler = setInterval(() => (peak = Math.max(peak, server.rss())), 200);
  const rssLine = () => `peak RSS ${peak > 0 ? mb(peak) : 'n/a'}`;
  try {
    console.log(`\n## ${name}  (max_tokens ${maxTokens}, idle RSS ${mb(server.rss())})`);
    for (const sessions of list(values.sessions)) {
      peak = server.rss();
      const { outcomes, timings, wallMs } = await conversations(client, sessions, Number(values.turns), maxTokens, `${tag}-${sessions}`);
      const tokens = timings.reduce((sum, t) => sum + t.completionTokens, 0);
      const ttft = timings.flatMap((t) => (t.ttftMs === null ? [] : [t.ttftMs]));
      const gaps = timings.flatMap((t) => t.gapsMs);
      console.log(
        `${sessions} sessions x ${values.turns} turns: ${timings.length} turns in ${(wallMs / 1000).toFixed(1)} s, ` +
          `${(tokens / (wallMs / 1000)).toFixed(1)} tok/s; TTFT p50 ${ms(percentile(ttft, 50))} p95 ${ms(percentile(ttft, 95))}; ` +
          `inter-chunk gap p50 ${ms(percentile(gaps, 50))} p95 ${ms(percentile(gaps, 95))}; status ${statuses(outcomes)}; ${rssLine()}`,
      );
      for (const sample of outcomes.samples) console.log(`   e.g. ${sample}`);
    }
    const count = Number(values.burst);
    if (count > 0) {
      peak = server.rss();
      const b = await burst(client, count, 16, tag);
      console.log(
        `burst of ${count} (max_tokens 16): ${(b.wallMs / 1000).toFixed(1)} s, ${(b.completionTokens / (b.wallMs / 1000)).toFixed(1)} tok/s; ` +
          `latency p50 ${ms(percentile(b.latencies, 50))} p95 ${ms(percentile(b.latencies, 95))}; status ${statuses(b.outcomes)}; ` +
          `/healthz p50 ${ms(percentile(b.healthMs, 50))} max ${ms(percentile(b.healthMs, 100))} (${b.healthMs.length} probes, ${b.healthFailures} failed); ${rssLine()}`,
      );
      for (const sample of b.outcomes.samples) console.log(`   e.g. ${sample}`);
    }
    const many = Number(values.many);
    if (many > 0) {
      peak = server.rss();
      const m = await manySessions(client, many, 4, tag);
      console.log(`${many} one-turn sessions (4 at a time): ${(m.wallMs / 1000).toFixed(1)} s; status ${statuses(m.outcomes)}; ${rssLine()}; RSS after ${mb(server.rss())}`);
      for (const sample of m.outcomes.samples) console.log(`   e.g. ${sample}`);
    }
  } finally {
    clearInterval(sampler);
  }
}

if (values.url !== undefined) {
  await run(values.url, { url: values.url, adminSecret: values['admin-secret'], rss: () => 0 });
} else {
  for (const target of values.target.split(',') as Target[]) {
    const server = await startServer(target, root, values['model-dir'], {});
    try {
      await run(target === 'wrangler' ? 'npm start (wrangler dev server)' : 'Node entry', server);
    } catch (error) {
      console.error(`${target}: ${String(error)}\nserver output:\n${server.output().slice(-4000)}`);
      process.exitCode = 1;
    } finally {
      await server.stop();
    }
  }
}
