// The tokenizer.json the Python tools write must load in tokenizers.js (what the engine uses), round-trip
// the corpus losslessly, and produce exactly the ids the Python encoder produced for training.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, VALID_TXT, modelFolders, readJson } from './model-folders';

const TYPOGRAPHIC = 'She said, “Don’t go—please…” and smiled. Café “naïve” — ok… ’tis';

function load(folder: string): Tokenizer {
  const manifest = readJson(folder, 'manifest.json');
  return new Tokenizer(readJson(folder, manifest.tokenizer.file), manifest.tokenizer.config ?? {});
}

function pythonIds(folder: string, text: string): number[] {
  const out = execFileSync('/usr/bin/python3', ['models/tools/tokenize_text.py', '--tokenizer', path.join(folder, 'tokenizer.json')],
    { cwd: REPO_ROOT, input: text, maxBuffer: 64 << 20 });
  return JSON.parse(out.toString('utf8'));
}

describe.each(modelFolders())('tokenizer of %s', (folder) => {
  const valid = fs.readFileSync(VALID_TXT, 'utf8');

  it('round-trips the whole of valid.txt', () => {
    const tok = load(folder);
    const ids = tok.encode(valid).ids;
    expect(ids.length).toBeGreaterThan(valid.length / 8);
    expect(tok.decode(ids)).toBe(valid);
  });

  it('round-trips typographic characters without unknown tokens', () => {
    const tok = load(folder);
    const ids = tok.encode(TYPOGRAPHIC).ids;
    expect(ids.every((id) => Number.isInteger(id) && id >= 0)).toBe(true);
    expect(tok.decode(ids)).toBe(TYPOGRAPHIC);
  });

  it('encodes <|endoftext|> as the special id 0 declared in the manifest', () => {
    const manifest = readJson(folder, 'manifest.json');
    const ids = load(folder).encode(`The end.${manifest.tokenizer.eos_token}Once upon a time`).ids;
    expect(manifest.tokenizer.eos_token_id).toBe(0);
    expect(ids.filter((id) => id === 0)).toHaveLength(1);
  });

  it('gives the same ids as the Python encoder used for training', () => {
    const sample = valid.slice(0, 20_000) + '\n' + TYPOGRAPHIC + '<|endoftext|>' + valid.slice(-5_000);
    expect(load(folder).encode(sample).ids).toEqual(pythonIds(folder, sample));
  });
});
