// Exported ONNX vs PyTorch: parity.json holds PyTorch's outputs for a prefill from an empty cache and a
// tree-masked block over that cache (plus both heads graphs). Replayed in both runtimes the engine uses.
import path from 'node:path';
import * as ortNode from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
// plain ES module shared with the Python pipeline (types in parity.d.mts)
import { loadWebOrt, runParity } from '../../models/tools/parity.mjs';
import { REPO_ROOT, modelFolders } from './model-folders';

const TOLERANCE = 1e-3;

describe.each(modelFolders())('ONNX parity of %s', (folder) => {
  const dir = path.join(REPO_ROOT, folder);

  it('onnxruntime-node matches PyTorch within 1e-3 (prefill, tree block, hidden states, both heads)', async () => {
    const { result } = await runParity(ortNode, dir);
    expect(Object.keys(result).sort()).toEqual(['heads_cerberus', 'heads_medusa', 'prefill_logits', 'tree_hidden_states', 'tree_logits']);
    for (const [check, diff] of Object.entries<number>(result)) expect({ check, ok: diff <= TOLERANCE }).toEqual({ check, ok: true });
  });

  it('onnxruntime-web (wasm) matches PyTorch within 1e-3', async () => {
    const { result } = await runParity(await loadWebOrt(), dir);
    for (const [check, diff] of Object.entries<number>(result)) expect({ check, ok: diff <= TOLERANCE }).toEqual({ check, ok: true });
  });
});
