/** TextBatcher: how many decoding steps a stream chunk holds, and that nothing is lost or reordered on the way. */
import { describe, expect, it } from 'vitest';
import { TextBatcher } from '../../workers/sessions/text-batcher';
import type { TextTrace } from '../../workers/sessions/turn';

const step = (i: number): { text: string; trace: TextTrace } => ({
  text: `t${i} `,
  trace: { spans: [{ text: `t${i} `, from: i % 2 }], steps: [{ kind: 'ar', tokens: 1, entropy: null, threshold: null, tree_size: 1 }], ...(i === 0 ? { prompt_tokens: 7 } : {}) },
});

/** Drives `steps` steps of `stepMs` each through a batcher on a fake clock; returns the chunks. */
function run(steps: number, stepMs: number, budgetMs: number) {
  let clock = 0;
  const batcher = new TextBatcher(budgetMs, 8, () => clock);
  const chunks: { text: string; trace: TextTrace; tokenIds: number[] }[] = [];
  for (let i = 0; i < steps; i++) {
    clock += stepMs;
    batcher.add([i], step(i));
    if (batcher.due) chunks.push(batcher.take()!);
  }
  const last = batcher.take();
  if (last !== null) chunks.push(last);
  return chunks;
}

describe('TextBatcher', () => {
  it('sends the first chunks at once, then as many steps per chunk as fit in the budget', () => {
    const chunks = run(40, 0.5, 2);
    expect(chunks[0]!.tokenIds).toEqual([0]);
    expect(chunks[1]!.tokenIds).toEqual([1]);
    // 0.5 ms steps and a 2 ms budget: four steps a chunk once the step time is known.
    expect(chunks.slice(3, -1).every((c) => c.tokenIds.length === 4)).toBe(true);
  });

  it('gives a slow model a chunk per step, and a budget of 0 always does', () => {
    expect(run(20, 5, 2).every((c) => c.tokenIds.length === 1)).toBe(true);
    expect(run(20, 0.01, 0).every((c) => c.tokenIds.length === 1)).toBe(true);
  });

  it('caps a chunk at maxSteps however fast the steps are', () => {
    expect(Math.max(...run(100, 0.01, 2).map((c) => c.tokenIds.length))).toBe(8);
  });

  it('keeps every token, text, span and step, in order, and the prompt length once', () => {
    const chunks = run(37, 0.3, 2);
    expect(chunks.flatMap((c) => c.tokenIds)).toEqual(Array.from({ length: 37 }, (_, i) => i));
    expect(chunks.map((c) => c.text).join('')).toBe(Array.from({ length: 37 }, (_, i) => `t${i} `).join(''));
    for (const c of chunks) expect(c.trace.spans.map((s) => s.text).join('')).toBe(c.text);
    expect(chunks.reduce((n, c) => n + c.trace.steps.length, 0)).toBe(37);
    expect(chunks.filter((c) => c.trace.prompt_tokens !== undefined).map((c) => c.trace.prompt_tokens)).toEqual([7]);
  });

  it('holds ids of steps that released no text until the next text, and hands leftovers to rest()', () => {
    let clock = 0;
    const batcher = new TextBatcher(2, 8, () => clock);
    batcher.add([1], null);
    expect(batcher.due).toBe(false);
    expect(batcher.take()).toBeNull();
    batcher.add([2], step(2));
    expect(batcher.take()!.tokenIds).toEqual([1, 2]);
    batcher.add([3], null);
    expect(batcher.rest()).toEqual([3]);
    expect(batcher.rest()).toEqual([]);
  });
});
