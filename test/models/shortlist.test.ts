// models/tools/shortlist_heads.py on a copy of the fixture model: the rewritten heads graphs give the
// original logits on the shortlisted ids and the masked value everywhere else, in both runtimes the engine
// uses; the shortlist is the most frequent ids of the text it was ranked on; the manifest stays valid.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ortNode from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWebOrt } from '../../models/tools/parity.mjs';
import { parseManifest } from '../../src/model/manifest';
import { readVerifiedFiles } from '../../src/model/verify-files';
import { TextTokenizer } from '../../src/tokenizer/text-tokenizer';
import { REPO_ROOT, VALID_TXT } from './model-folders';

const FIXTURE = path.join(REPO_ROOT, 'test/fixtures/tiny');
const TOOL = path.join(REPO_ROOT, 'models/tools/shortlist_heads.py');
const SIZE = 96;
const N = 3;
const EOS = '<|endoftext|>';

type Ort = typeof ortNode;
let work: string;
let short: string;
let textFile: string;

function runTool(args: string[]): string {
  return execFileSync('/usr/bin/python3', [TOOL, ...args], { cwd: REPO_ROOT, encoding: 'utf8', stdio: 'pipe' });
}

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'shortlist-'));
  short = path.join(work, 'model');
  // 40 kB of real stories as the ranking text, documents split by <|endoftext|> lines as in train.txt.
  const stories = fs.readFileSync(VALID_TXT, 'utf8').slice(0, 40_000).split('\n\n').slice(0, -1);
  textFile = path.join(work, 'text.txt');
  fs.writeFileSync(textFile, stories.join(`\n${EOS}\n`));
  // Frequencies of the text alone (no greedy continuations), so the test can recount them.
  runTool([FIXTURE, '--out', short, '--size', String(SIZE), '--text', textFile, '--greedy-prompts', '0']);
}, 120_000);

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const manifestOf = (dir: string) => parseManifest(new Uint8Array(fs.readFileSync(path.join(dir, 'manifest.json'))));

async function headLogits(ort: Ort, dir: string, file: string, hidden: Float32Array, d: number): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(path.join(dir, file));
  try {
    // every head, also from a graph that takes num_heads (depth_heads.py)
    const depth = session.inputNames.includes('num_heads') ? { num_heads: new ort.Tensor('int64', BigInt64Array.of(2n ** 31n), []) } : {};
    const out = await session.run({ hidden_states: new ort.Tensor('float32', hidden, [hidden.length / d, d]), ...depth });
    return out['head_logits']!.data as Float32Array;
  } finally {
    await session.release();
  }
}

/** The ids head 0 does not mask on one hidden state. */
async function keptIds(dir: string, file: string, d: number, v: number): Promise<number[]> {
  const logits = await headLogits(ortNode, dir, file, Float32Array.from({ length: d }, (_, i) => Math.cos(i)), d);
  return [...logits.subarray(0, v)].flatMap((x, id) => (x === -10000 ? [] : [id]));
}

describe('shortlist_heads.py', () => {
  it('records the shortlist in a manifest that still validates, files and sha256 included', async () => {
    const m = manifestOf(short);
    for (const kind of ['cerberus', 'medusa'] as const) {
      expect(m.heads[kind]?.shortlist).toMatchObject({ size: SIZE, masked_value: -10000 });
      expect(m.heads[kind]?.shortlist?.train_coverage).toBeGreaterThan(0.5);
    }
    const files = await readVerifiedFiles({ read: async (name: string) => new Uint8Array(fs.readFileSync(path.join(short, name))) }, m);
    expect([...files.keys()].sort()).toEqual(Object.keys(m.files).sort());
  });

  it('ranks by the base model\'s greedy continuations too, generated from base.onnx and cached per base', () => {
    const out = path.join(work, 'greedy-model');
    const runDir = path.join(work, 'run');
    fs.mkdirSync(runDir);
    runTool([FIXTURE, '--out', out, '--size', String(SIZE), '--text', textFile, '--greedy-prompts', '8', '--work', runDir]);
    const info = manifestOf(out).heads.cerberus!.shortlist!;
    expect(info.size).toBe(SIZE);
    expect(info.greedy_coverage).toBeGreaterThan(0.5);
    expect(fs.readdirSync(runDir).filter((f) => /^shortlist-greedy-[0-9a-f]{12}\.npy$/.test(f))).toHaveLength(1);
  }, 120_000);

  it('leaves the heads as they are when the shortlist would hold the whole vocabulary', () => {
    const out = path.join(work, 'whole');
    const v = manifestOf(FIXTURE).architecture.vocab_size;
    runTool([FIXTURE, '--out', out, '--size', String(v), '--text', textFile, '--greedy-prompts', '0']);
    for (const file of ['heads-cerberus.onnx', 'heads-medusa.onnx', 'manifest.json']) {
      expect(fs.readFileSync(path.join(out, file)).equals(fs.readFileSync(path.join(FIXTURE, file)))).toBe(true);
    }
  });

  it('refuses heads that are already shortlisted, saying so', () => {
    expect(() => runTool([short, '--size', '64', '--text', textFile])).toThrow(/already shortlisted/);
  });

  it('shortlists the most frequent ids of the ranking text (and always EOS)', async () => {
    const m = manifestOf(short);
    const tok = TextTokenizer.fromJson(new Uint8Array(fs.readFileSync(path.join(FIXTURE, 'tokenizer.json'))),
      { id: m.tokenizer.eos_token_id, token: m.tokenizer.eos_token }, { config: m.tokenizer.config });
    const counts = new Array<number>(m.architecture.vocab_size).fill(0);
    for (const doc of fs.readFileSync(textFile, 'utf8').split(EOS)) {
      const text = doc.replace(/^\n+|\n+$/g, '');
      if (text.trim() === '') continue;
      for (const id of tok.encode(text)) counts[id]! += 1;
    }
    const kept = new Set(await keptIds(short, m.heads.cerberus!.file, m.architecture.d_model, m.architecture.vocab_size));
    const eos = m.tokenizer.eos_token_id;
    expect(kept.size).toBe(SIZE);
    expect(kept.has(eos)).toBe(true);
    const keptCounts = [...kept].filter((id) => id !== eos).map((id) => counts[id]!);
    const leftCounts = counts.filter((_, id) => !kept.has(id));
    expect(Math.min(...keptCounts)).toBeGreaterThanOrEqual(Math.max(...leftCounts));
    expect(Math.max(...leftCounts)).toBeGreaterThan(0); // the text has more distinct ids than SIZE: a real cut
  });
});

describe.each([
  ['onnxruntime-node', async () => ortNode],
  ['onnxruntime-web (wasm)', async () => (await loadWebOrt()) as unknown as Ort],
])('shortlisted heads in %s', (_name, load) => {
  it.each(['cerberus', 'medusa'] as const)('%s: original logits on the shortlist, the masked value elsewhere', async (kind) => {
    const ort = await load();
    const m = manifestOf(short);
    const { d_model: d, vocab_size: v } = m.architecture;
    const k = m.heads[kind]!.num_heads;
    const hidden = Float32Array.from({ length: N * d }, (_, i) => Math.sin(i * 0.37) * 2);
    const full = await headLogits(ort, FIXTURE, manifestOf(FIXTURE).heads[kind]!.file, hidden, d);
    const cut = await headLogits(ort, short, m.heads[kind]!.file, hidden, d);
    expect(cut.length).toBe(N * k * v);
    const kept = new Set<number>();
    let worst = 0;
    for (let row = 0; row < N * k; row++) {
      const ids: number[] = [];
      for (let id = 0; id < v; id++) {
        const x = cut[row * v + id]!;
        if (x === -10000) continue;
        ids.push(id);
        worst = Math.max(worst, Math.abs(x - full[row * v + id]!));
      }
      expect(ids.length).toBe(SIZE);
      if (row === 0) ids.forEach((id) => kept.add(id));
      else expect(ids.every((id) => kept.has(id))).toBe(true);
    }
    expect(worst).toBeLessThan(1e-4);
    expect(kept.has(m.tokenizer.eos_token_id)).toBe(true);
  });
});
