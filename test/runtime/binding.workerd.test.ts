/** The binding contract inside workerd: onnxruntime-web wasm is the only backend there. */
import { describe, expect, it } from 'vitest';
import { RUNTIME } from '../../src/runtime';
import { TEST_BACKENDS } from '../engine/support/fixture';
import { bindingContract } from './binding.case';

describe('host', () => {
  it('is workerd, so auto selects wasm only', () => {
    expect(RUNTIME.isWorkerd).toBe(true);
    expect(RUNTIME.isNode).toBe(false);
    expect(TEST_BACKENDS).toEqual(['wasm']);
  });
});

for (const backend of TEST_BACKENDS) bindingContract(backend);
