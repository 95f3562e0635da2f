import { it } from 'vitest';
import { fixtureBinding, loadFixture } from '../engine/support/fixture';
import { causalMask } from '../../src/tree/causal-mask';
import type { LayerKv } from '../../src/runtime';

const tick = () => new Promise((r) => setTimeout(r, 0));
async function timed(n: number, fn: () => Promise<unknown>): Promise<number> {
  await tick();
  const t0 = Date.now();
  for (let i = 0; i < n; i++) await fn();
  await tick();
  return (Date.now() - t0) / n;
}

it('timing', async () => {
  const { architecture: a, manifest } = await loadFixture();
  const b = await fixtureBinding('wasm');
  const empty: LayerKv[] = Array.from({ length: a.n_layers }, () => ({ key: new Float32Array(0), value: new Float32Array(0) }));
  const P = 128;
  const ids = (n: number, from = 0) => Array.from({ length: n }, (_, i) => (from + i) % 50 + 5);
  const pos = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);
  const pre = await b.forward({ inputIds: ids(P), positionIds: pos(P), mask: causalMask(0, P, -10000), past: empty, pastLength: 0 });
  const inp = (t: number) => ({ inputIds: ids(t, P), positionIds: pos(t, P), mask: causalMask(P, t, -10000), past: pre.present, pastLength: P });
  const hidden = pre.hidden.slice(0, a.d_model);
  const lines: string[] = [];
  for (let round = 0; round < 2; round++) {
    for (const t of [1, 2, 4, 8]) lines.push(`T=${t} ${(await timed(40, () => b.forward(inp(t)))).toFixed(3)} ms`);
    for (const d of [undefined, 1, 2, 3, 4]) lines.push(`heads d=${d} ${(await timed(60, () => b.heads('cerberus', hidden, 1, d))).toFixed(3)} ms`);
    // the decoding pattern: heads then T=3 forward, alternating
    lines.push(`heads+T3 pattern ${(await timed(40, async () => { await b.heads('cerberus', hidden, 1); await b.forward(inp(3)); })).toFixed(3)} ms`);
    lines.push(`AR pattern ${(await timed(40, () => b.forward(inp(1)))).toFixed(3)} ms`);
  }
  console.log(manifest.name, b.depthSelectable, '\n' + lines.join('\n'));
}, 600_000);
