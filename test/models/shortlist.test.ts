// models/tools/shortlist_heads.py on a copy of the fixture model: the rewritten heads graphs give the
// original logits of the shortlisted ids, one column per id of manifest shortlist.ids, in both runtimes the
// engine uses; the shortlist is the most frequent ids of the text it was ranked on; the manifest stays
// valid; and the engine decoding with them still gives exactly AR's tokens.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ortNode from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWebOrt } from '../../models/tools/parity.mjs';
import { loadModel } from '../../src/engine/model';
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
    const feeds: Record<string, ortNode.Tensor> = { hidden_states: new ort.Tensor('float32', hidden, [hidden.length / d, d]) };
    // every head, also from a graph that takes num_heads (depth_heads.py)
    if (session.inputNames.includes('num_heads')) feeds['num_heads'] = new ort.Tensor('int64', BigInt64Array.of(2n ** 31n), []);
    const out = await session.run(feeds);
    return out['head_logits']!.data as Float32Array;
  } finally {
    await session.release();
  }
}


describe('shortlist_heads.py', () => {
  it('records the shortlist in a manifest that still validates, files and sha256 included', async () => {
    const m = manifestOf(short);
    for (const kind of ['cerberus', 'medusa'] as const) {
      expect(m.heads[kind]?.shortlist).toMatchObject({ size: SIZE });
      expect(m.heads[kind]?.shortlist?.ids).toHaveLength(SIZE);
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
    const kept = new Set(m.heads.cerberus!.shortlist!.ids);
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
  it.each(['cerberus', 'medusa'] as const)('%s: column j holds the original logit of token shortlist.ids[j]', async (kind) => {
    const ort = await load();
    const m = manifestOf(short);
    const { d_model: d, vocab_size: v } = m.architecture;
    const k = m.heads[kind]!.num_heads;
    const ids = m.heads[kind]!.shortlist!.ids!;
    const hidden = Float32Array.from({ length: N * d }, (_, i) => Math.sin(i * 0.37) * 2);
    const full = await headLogits(ort, FIXTURE, manifestOf(FIXTURE).heads[kind]!.file, hidden, d);
    const cut = await headLogits(ort, short, m.heads[kind]!.file, hidden, d);
    expect(cut.length).toBe(N * k * SIZE);
    let worst = 0;
    for (let row = 0; row < N * k; row++) {
      ids.forEach((id, j) => (worst = Math.max(worst, Math.abs(cut[row * SIZE + j]! - full[row * v + id]!))));
    }
    expect(worst).toBeLessThan(1e-4);
    expect(ids).toContain(m.tokenizer.eos_token_id);
  });
});

describe('the engine on shortlisted heads', () => {
  it.each(['native-cpu', 'wasm'] as const)('%s: Cerberus and Medusa, gated or not, give exactly the AR tokens', async (backend) => {
    const source = { read: async (name: string) => new Uint8Array(fs.readFileSync(path.join(short, name))) };
    const model = await loadModel(source, { backend, log: () => {} });
    try {
      const run = async (mode: 'ar' | 'cerberus' | 'medusa', gate: boolean) => {
        const session = model.createSession({ gatePolicy: { adaptive: true, threshold: 2.5, min: 0, max: 9, explorationRate: 0.1 } });
        const tokens: number[] = [];
        for await (const event of session.generate(model.tokenizer.encode('Once upon a time, there was a'), { maxTokens: 40, sampling: { kind: 'greedy' }, mode, gate })) {
          if (event.type === 'tokens') tokens.push(...event.tokenIds);
          else expect(event.stats.parallelSteps > 0 || mode === 'ar').toBe(true);
        }
        return tokens;
      };
      const ar = await run('ar', false);
      expect(ar.length).toBeGreaterThan(10);
      for (const mode of ['cerberus', 'medusa'] as const) for (const gate of [false, true]) expect(await run(mode, gate)).toEqual(ar);
    } finally {
      await model.dispose();
    }
  });
});
