import { describe, expect, it } from 'vitest';
import type { ModelSource } from '../../src/types';
import { isEngineError } from '../../src/errors';
import { loadModel } from '../../src/engine/model';
import { RUNTIME } from '../../src/runtime/index';
import { parseManifest } from '../../src/model/manifest';
import { StreamDecoder } from '../../src/tokenizer/stream-decoder';
import { TextTokenizer } from '../../src/tokenizer/text-tokenizer';
import { BACKEND, loadFixtureModel, thrown } from './engine-helpers';
import { fixtureSource } from './support/fixture';

/** The fixture with one file's bytes replaced. */
function tampered(name: string, change: (bytes: Uint8Array) => Uint8Array | undefined): ModelSource {
  const source = fixtureSource();
  return {
    async read(file) {
      const bytes = await source.read(file);
      if (file !== name) return bytes;
      const changed = change(bytes.slice());
      if (changed === undefined) throw new Error(`${file}: not found`);
      return changed;
    },
  };
}

const flipByte = (at: (n: number) => number) => (b: Uint8Array) => {
  b[at(b.length)]! ^= 0xff;
  return b;
};

describe('loadModel', () => {
  it('loads the fixture: manifest, tokenizer, binding, cost model', async () => {
    const model = await loadFixtureModel();
    try {
      expect(model.manifest.format).toBe('cerberus-edge-model/1');
      expect(model.headKinds).toEqual(expect.arrayContaining(['cerberus', 'medusa']));
      const text = 'Once upon a time, there was a little cat.';
      expect(model.tokenizer.decode(model.tokenizer.encode(text))).toBe(text);
      expect(model.tokenizer.encode('<|endoftext|>')).toEqual([model.manifest.tokenizer.eos_token_id]);
      expect(model.costModel.points.length).toBeGreaterThan(0);
      expect(model.costModel.headsRatio).toBeGreaterThan(0);
      // workerd's clock only advances on I/O, so there the documented fallback must be used.
      expect(model.costModel.source).toBe(RUNTIME.isWorkerd ? 'fallback' : 'measured');
      // Timed at every small tree size, not interpolated between powers of two (a backend's cost need not be linear there).
      if (!RUNTIME.isWorkerd) expect(model.costModel.points.map((p) => p.tokens).slice(0, 7)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    } finally {
      await model.dispose();
    }
  });

  it.each([
    ['base.onnx', 'a flipped byte', flipByte((n) => n >> 1)],
    ['tokenizer.json', 'a flipped byte', flipByte(() => 0)],
    ['heads-cerberus.onnx', 'a truncated file', (b: Uint8Array) => b.subarray(0, b.length - 1)],
  ])('rejects %s with %s as model-file-corrupt, naming the file', async (file, _what, change) => {
    const error = await thrown(() => loadModel(tampered(file, change)));
    expect(isEngineError(error, 'model-file-corrupt')).toBe(true);
    expect((error as { file?: string }).file).toBe(file);
    expect(String((error as Error).message)).toContain(file);
  });

  it('uses a given cost model as is, and rejects a malformed one', async () => {
    const given = { points: [{ tokens: 4, ratio: 1.3 }, { tokens: 16, ratio: 2 }], headsRatio: 0.4 };
    const model = await loadModel(fixtureSource(), { backend: BACKEND, costModel: given });
    try {
      expect(model.costModel).toEqual({ ...given, source: 'given' });
    } finally {
      await model.dispose();
    }
    const bad = { points: [{ tokens: 4, ratio: Number.NaN }], headsRatio: 0.4 };
    expect(isEngineError(await thrown(() => loadModel(fixtureSource(), { costModel: bad })), 'invalid-options')).toBe(true);
  });

  it('rejects a missing file as model-file-missing', async () => {
    const error = await thrown(() => loadModel(tampered('heads-medusa.onnx', () => undefined)));
    expect(isEngineError(error, 'model-file-missing')).toBe(true);
    expect((error as { file?: string }).file).toBe('heads-medusa.onnx');
  });

  it('rejects a manifest that is not JSON or breaks the contract as invalid-manifest', async () => {
    const notJson = await thrown(() => loadModel(tampered('manifest.json', () => new TextEncoder().encode('{'))));
    expect(isEngineError(notJson, 'invalid-manifest')).toBe(true);
    const edit = (mutate: (m: Record<string, unknown>) => void) =>
      tampered('manifest.json', (bytes) => {
        const m = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
        mutate(m);
        return new TextEncoder().encode(JSON.stringify(m));
      });
    const cases: ((m: Record<string, unknown>) => void)[] = [
      (m) => delete m['architecture'],
      (m) => (m['format'] = 'other/2'),
      (m) => ((m['trees'] as Record<string, unknown>)['wasm'] = [[0, 0]]), // parent missing
      (m) => delete (m['files'] as Record<string, unknown>)['base.onnx'],
    ];
    for (const mutate of cases) {
      const error = await thrown(() => loadModel(edit(mutate)));
      expect(isEngineError(error, 'invalid-manifest'), String(error)).toBe(true);
    }
  });

  it('streams real tokenizer output without splitting characters', async () => {
    const source = fixtureSource();
    const manifest = parseManifest(await source.read('manifest.json'));
    const tokenizer = TextTokenizer.fromJson(
      await source.read(manifest.tokenizer.file),
      { id: manifest.tokenizer.eos_token_id, token: manifest.tokenizer.eos_token },
      { ...(manifest.tokenizer.config === undefined ? {} : { config: manifest.tokenizer.config }) },
    );
    {
      const text = 'She said “café” — naïve 🙂 déjà vu.';
      const ids = tokenizer.encode(text);
      const decoder = new StreamDecoder(tokenizer);
      const pieces = ids.map((id) => decoder.push([id]));
      expect(pieces.every((p) => !p.includes('\uFFFD'))).toBe(true);
      // At least one character spans tokens, or the test would not test anything.
      expect(pieces.some((p) => p === '')).toBe(true);
      expect(pieces.join('') + decoder.flush()).toBe(text);
    }
  });
});
