import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderChat } from '../../src/tokenizer/chat-template';
import { StopMatcher } from '../../src/tokenizer/stop-matcher';
import { StreamDecoder, type Decoder } from '../../src/tokenizer/stream-decoder';
import { TextStream } from '../../src/tokenizer/text-stream';

/**
 * A byte-level decoder: id = byte. It decodes exactly like a byte-level BPE decoder does (bytes through a
 * non-fatal UTF-8 TextDecoder), so splitting characters across ids is the real situation under test.
 */
const bytes: Decoder = { decode: (ids) => new TextDecoder().decode(Uint8Array.from(ids)) };
const utf8 = (s: string) => Array.from(new TextEncoder().encode(s));

describe('StreamDecoder', () => {
  it('never emits half a character', () => {
    const d = new StreamDecoder(bytes);
    const ids = utf8('a€b'); // € = e2 82 ac
    const out = ids.map((id) => d.push([id]));
    expect(out).toEqual(['a', '', '', '€', 'b']);
    expect(out.some((s) => s.includes('\uFFFD'))).toBe(false);
  });

  it('reassembles any text from any split into chunks', () => {
    // A text holding U+FFFD itself is the case below: there the character is real and must be emitted.
    const text = fc.string({ unit: 'grapheme', maxLength: 30 }).filter((t) => !t.includes('\uFFFD'));
    fc.assert(
      fc.property(text, fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 40 }), (text, cuts) => {
        const ids = utf8(text);
        const d = new StreamDecoder(bytes);
        let out = '';
        let i = 0;
        for (const n of [...cuts, ids.length]) {
          const piece = d.push(ids.slice(i, i + n));
          expect(piece.includes('\uFFFD')).toBe(false);
          out += piece;
          i += n;
          if (i >= ids.length) break;
        }
        out += d.flush();
        expect(out).toBe(text);
      }),
    );
  });

  it('emits a U+FFFD that is part of the text, once it is known not to be half a character', () => {
    const d = new StreamDecoder(bytes);
    expect(d.push(utf8('a\uFFFD'))).toBe(''); // ends like an incomplete character: held with its window
    expect(d.push(utf8(' b'))).toBe('a\uFFFD b');
    expect(d.push(utf8('\uFFFD'))).toBe('');
    expect(d.flush()).toBe('\uFFFD');
  });

  it('flushes a genuinely incomplete tail as U+FFFD at the end', () => {
    const d = new StreamDecoder(bytes);
    expect(d.push([0x61, 0xe2, 0x82])).toBe(''); // held with its window until the character completes
    expect(d.flush()).toBe('a\uFFFD');
  });
});

describe('StopMatcher', () => {
  it('holds back a possible stop start and releases it when it is not one', () => {
    const m = new StopMatcher(['\n\nUser:']);
    expect(m.push('Hello\n')).toEqual({ text: 'Hello', stopped: false });
    expect(m.push('\nUs')).toEqual({ text: '', stopped: false });
    expect(m.push('ually')).toEqual({ text: '\n\nUsually', stopped: false });
  });

  it('finds a stop split across chunks and drops it and everything after', () => {
    const m = new StopMatcher(['END', 'STOP']);
    expect(m.push('abcE')).toEqual({ text: 'abc', stopped: false });
    expect(m.push('N')).toEqual({ text: '', stopped: false });
    expect(m.push('Dxyz')).toEqual({ text: '', stopped: true });
  });

  it('stops at the first stop sequence to complete, not an earlier-starting unfinished one', () => {
    const m = new StopMatcher(['\nbc', 'b']);
    expect(m.push('\nb')).toEqual({ text: '\n', stopped: true });
  });

  it('emits exactly the text before the first completed stop, for any chunking', () => {
    const alphabet = fc.constantFrom('a', 'b', 'c', '\n');
    const text = fc.array(alphabet, { maxLength: 40 }).map((cs) => cs.join(''));
    const stops = fc.array(fc.array(alphabet, { minLength: 1, maxLength: 4 }).map((cs) => cs.join('')), { minLength: 1, maxLength: 3 });
    fc.assert(
      fc.property(text, stops, fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 40 }), (t, s, cuts) => {
        // Reference on the whole text: the occurrence that ends first (the longest of those).
        const hits = s
          .map((stop) => ({ start: t.indexOf(stop), end: t.indexOf(stop) + stop.length }))
          .filter((h) => h.start !== -1)
          .sort((a, b) => a.end - b.end || a.start - b.start);
        const expected = hits.length === 0 ? t : t.slice(0, hits[0]!.start);
        const m = new StopMatcher(s);
        let out = '';
        let stopped = false;
        let i = 0;
        for (const n of [...cuts, t.length]) {
          const r = m.push(t.slice(i, i + n));
          out += r.text;
          i += n;
          if (r.stopped) {
            stopped = true;
            break;
          }
          if (i >= t.length) break;
        }
        if (!stopped) out += m.flush();
        expect(out).toBe(expected);
        expect(stopped).toBe(hits.length > 0);
      }),
    );
  });
});

describe('TextStream', () => {
  it('finds a stop sequence that ends inside a multi-byte character run', () => {
    const s = new TextStream(bytes, ['é!']);
    let out = '';
    let stoppedAt = -1;
    for (const [i, id] of utf8('café!x').entries()) {
      const piece = s.push(id);
      out += piece.text;
      if (piece.stopped) {
        stoppedAt = i;
        break;
      }
    }
    expect(out).toBe('caf');
    expect(stoppedAt).toBe(5); // the '!' byte, after é's two bytes
  });
});

describe('renderChat', () => {
  it('joins system and user turns by blank lines and appends assistant continuations', () => {
    expect(renderChat([{ role: 'user', content: 'Once upon a time, a cat ' }])).toBe('Once upon a time, a cat');
    expect(
      renderChat([
        { role: 'system', content: 'A story.' },
        { role: 'user', content: 'Tom had a dog.' },
        { role: 'assistant', content: ' It was big.' },
        { role: 'user', content: 'One day' },
      ]),
    ).toBe('A story.\n\nTom had a dog. It was big.\n\nOne day');
    expect(renderChat([{ role: 'user', content: '   ' }])).toBe('');
  });
});
