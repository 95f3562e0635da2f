// Heads that read the root token (models/tools/heads.py, docs/model-contract.md `root_token`): on every
// shipped folder whose heads graphs take it, in both runtimes the engine uses, the binding feeds it, refuses
// calls without it, each row reads its own root, and the root changes what the heads propose. The shipped
// default model must have them (Cerberus), so this cannot pass vacuously.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindingArchitecture } from '../../src/engine/model';
import { parseManifest } from '../../src/model/manifest';
import { BindingError, createBinding, type BackendRequest, type HeadKind, type InferenceBinding } from '../../src/runtime';
import { REPO_ROOT, modelFolders } from './model-folders';

const SHIPPED_DEFAULT = 'models/tinystories-6m';

function read(dir: string, file: string): Uint8Array {
  return new Uint8Array(fs.readFileSync(path.join(REPO_ROOT, dir, file)));
}

/** Folders whose heads files (fp32) take root_token, with the kinds that do. */
function rootFolders(): [string, HeadKind[]][] {
  const out: [string, HeadKind[]][] = [];
  for (const folder of modelFolders()) {
    const manifest = parseManifest(read(folder, 'manifest.json'));
    // the ONNX input name is stored as plain bytes in the graph's input list
    const kinds = (Object.keys(manifest.heads) as HeadKind[]).filter((kind) =>
      Buffer.from(read(folder, manifest.heads[kind]!.file)).includes('root_token'),
    );
    if (kinds.length > 0) out.push([folder, kinds]);
  }
  return out;
}

async function expectInvalid(promise: Promise<unknown>, message: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BindingError);
  expect((error as BindingError).code).toBe('invalid-input');
  expect((error as BindingError).message).toMatch(message);
}

it(`the shipped default model (${SHIPPED_DEFAULT}) has root-reading Cerberus heads, Medusa heads without`, () => {
  const found = new Map(rootFolders());
  expect(found.get(SHIPPED_DEFAULT)).toEqual(['cerberus']);
});

describe.each(rootFolders())('root-reading heads of %s', (folder, kinds) => {
  describe.each<BackendRequest>(['native-cpu', 'wasm'])('on %s', (backend) => {
    let binding: InferenceBinding;
    let hidden: Float32Array;
    let vocab: number;
    let d: number;

    beforeAll(async () => {
      const manifest = parseManifest(read(folder, 'manifest.json'));
      const arch = manifest.architecture;
      vocab = arch.vocab_size;
      d = arch.d_model;
      const all = Object.keys(manifest.heads) as HeadKind[];
      const heads = Object.fromEntries(all.map((k) => [k, read(folder, manifest.heads[k]!.file)]));
      const architecture = bindingArchitecture(manifest, all);
      binding = await createBinding({ backend, base: read(folder, manifest.base.file), heads, architecture, log: () => {} });
      const ids = [5, 17, 42, 9].map((t) => t % vocab);
      const empty = Array.from({ length: arch.n_layers }, () => ({ key: new Float32Array(0), value: new Float32Array(0) }));
      const mask = new Float32Array(ids.length * ids.length);
      for (let i = 0; i < ids.length; i++) for (let j = i + 1; j < ids.length; j++) mask[i * ids.length + j] = manifest.base.mask_value;
      hidden = (await binding.forward({ inputIds: ids, positionIds: [0, 1, 2, 3], mask, past: empty, pastLength: 0 })).hidden.slice(0, 3 * d);
    });
    afterAll(() => binding?.dispose());

    it('reports exactly the kinds whose graphs take root_token', () => {
      expect([...binding.rootReading].sort()).toEqual([...kinds].sort());
    });

    it('refuses a call without roots, with the wrong number of roots, or with an id outside the vocabulary', async () => {
      for (const kind of kinds) {
        await expectInvalid(binding.heads(kind, hidden, 3), /read the root token/);
        await expectInvalid(binding.heads(kind, hidden, 3, undefined, [1, 2]), /roots has 2 ids/);
        await expectInvalid(binding.heads(kind, hidden, 3, undefined, [1, 2, vocab]), /not a token id/);
        await expectInvalid(binding.heads(kind, hidden, 3, undefined, [1, -1, 2]), /not a token id/);
      }
    });

    it('reads each row with its own root: a batch equals its rows called one by one', async () => {
      const roots = [3, 11, 7].map((t) => t % vocab);
      for (const kind of kinds) {
        const batch = await binding.heads(kind, hidden, 3, undefined, roots);
        const width = batch.logits.length / 3;
        for (let row = 0; row < 3; row++) {
          const single = await binding.heads(kind, hidden.slice(row * d, (row + 1) * d), 1, undefined, [roots[row]!]);
          const expected = batch.logits.subarray(row * width, (row + 1) * width);
          expect(Math.max(...single.logits.map((v, i) => Math.abs(v - expected[i]!)))).toBeLessThan(1e-4);
        }
      }
    });

    it('proposes differently for another root, from the first head on', async () => {
      for (const kind of kinds) {
        const a = await binding.heads(kind, hidden.slice(0, d), 1, 1, [1 % vocab]);
        const b = await binding.heads(kind, hidden.slice(0, d), 1, 1, [2 % vocab]);
        expect(a.logits.length).toBe(a.width); // depth 1: the first head only
        expect(Math.max(...a.logits.map((v, i) => Math.abs(v - b.logits[i]!)))).toBeGreaterThan(1e-3);
      }
    });
  });
});
