import { execFileSync } from 'node:child_process';
import { startWorkerd } from '../workerd-server';
const server = await startWorkerd(process.cwd(), 'models/tinystories-6m');
const ss = execFileSync('ss', ['-ltnp'], { encoding: 'utf8' });
const direct = ss.split('\n').filter((l) => l.includes('workerd')).map((l) => l.split(/\s+/)[3]!).filter((a) => a.startsWith('127.0.0.1:') || a.startsWith('localhost'));
console.log('proxy', server.url, 'workerd listeners', direct);
let MODEL = '';
const prompts = ['Once upon a time, there was a little dog named Max. Max', 'Lily wanted to go to the park with her mom. She', 'The sun was shining and Tom went outside to'];
async function run(base: string, mode: string, stream: boolean) {
  const body = { model: MODEL, prompt: '', temperature: 0, max_tokens: 128, stream, ...(stream ? { stream_options: { include_usage: true } } : {}), cerberus: { mode, gate: false } };
  let tokens = 0, ms = 0;
  for (const p of prompts) {
    const t0 = performance.now();
    const r = await fetch(`${base}/v1/completions`, { method: 'POST', headers: { authorization: 'Bearer sk-dev-local', 'content-type': 'application/json' }, body: JSON.stringify({ ...body, prompt: p }) });
    const text = await r.text();
    ms += performance.now() - t0;
    if (!r.ok) throw new Error(text);
    const m = stream ? [...text.matchAll(/"completion_tokens":(\d+)/g)].pop() : text.match(/"completion_tokens":(\d+)/);
    tokens += Number(m?.[1] ?? 0);
  }
  return (1000 * tokens) / ms;
}
try {
  const models = await (await fetch(`${server.url}/v1/models`, { headers: { authorization: 'Bearer sk-dev-local' } })).json() as { data: { id: string }[] };
  MODEL = models.data[0]!.id; console.log(MODEL);
  const bases = [server.url, ...direct.map((a) => `http://${a}`)];
  for (let round = 0; round < 2; round++) for (const base of bases) for (const stream of [true, false]) {
    const out: string[] = [];
    for (const mode of ['ar', 'cerberus']) {
      try { out.push(`${mode} ${(await run(base, mode, stream)).toFixed(0)} tok/s`); } catch (e) { out.push(`${mode} failed ${String(e).slice(0, 120)}`); }
    }
    console.log(base, stream ? 'stream' : 'no-stream', out.join(' | '));
  }
} finally { await server.stop(); }
