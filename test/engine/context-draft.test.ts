import { describe, expect, it } from 'vitest';
import { contextDraft, DRAFT_MATCH, DraftAcceptance, MAX_DRAFT } from '../../src/tree/context-draft';

describe('contextDraft', () => {
  it('proposes what followed the most recent earlier occurrence of the last tokens, root included', () => {
    // ... 1 2 3 [4 5 6 7] ... 9 1 2 | root 3 -> the tokens after the last "1 2 3"
    const context = [1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 9, 9, 1, 2];
    expect(DRAFT_MATCH).toBe(3);
    expect(contextDraft(context, 3, 4)).toEqual([9, 9, 1, 2]);
    expect(contextDraft(context, 3, 2)).toEqual([9, 9]);
  });

  it('copies a draft that runs into the present (a repeating pattern), up to the root', () => {
    expect(contextDraft([7, 8, 7, 8, 7], 8, 4)).toEqual([7, 8]);
  });

  it('proposes nothing without a full match, for a short context, or for max 0', () => {
    expect(contextDraft([1, 2, 3, 4], 5, 4)).toEqual([]);
    expect(contextDraft([1, 2], 1, 4)).toEqual([]);
    expect(contextDraft([1, 2, 3, 1, 2], 3, 0)).toEqual([]);
  });
});

describe('DraftAcceptance', () => {
  const cheapRows = { points: [{ tokens: 2, ratio: 1 }, { tokens: 16, ratio: 1.01 }] };
  const dearRows = { points: [{ tokens: 2, ratio: 1.7 }, { tokens: 5, ratio: 4 }] };

  it('chooses the longest chain where rows are nearly free, none that pays where they are dear', () => {
    const a = new DraftAcceptance();
    expect(a.best(MAX_DRAFT, cheapRows).length).toBe(MAX_DRAFT);
    expect(a.best(MAX_DRAFT, cheapRows).value).toBeGreaterThan(1);
    expect(a.best(MAX_DRAFT, dearRows).value).toBeLessThan(1);
  });

  it('learns the session’s acceptance: drafts that are always rejected stop paying', () => {
    const a = new DraftAcceptance();
    const before = a.expectedAccepted(MAX_DRAFT);
    for (let i = 0; i < 40; i++) a.record(MAX_DRAFT, 0);
    expect(a.expectedAccepted(MAX_DRAFT)).toBeLessThan(before / 4);
    const mid = { points: [{ tokens: 2, ratio: 1.2 }, { tokens: 5, ratio: 1.8 }] };
    expect(a.best(MAX_DRAFT, mid).value).toBeLessThan(1);
    const b = new DraftAcceptance();
    for (let i = 0; i < 40; i++) b.record(MAX_DRAFT, MAX_DRAFT);
    expect(b.expectedAccepted(MAX_DRAFT)).toBeGreaterThan(3.5);
  });
});
