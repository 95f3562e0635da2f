/** Backend choice per host, including hosts this machine is not (workerd, Deno, browsers with WebGPU). */
import { describe, expect, it } from 'vitest';
import { backendCandidates, BindingError, createBinding, RUNTIME, SUPPORTED_BACKENDS } from '../../src/runtime';
import { detectRuntime, type RuntimeFacts } from '../../src/runtime/environment';
import { loadFixture } from '../engine/support/fixture';

const host = (facts: Partial<RuntimeFacts>): RuntimeFacts => ({
  isWorkerd: false,
  isDeno: false,
  isNode: false,
  hasWebGpu: false,
  ...facts,
});

describe('detectRuntime', () => {
  it('tells workerd with nodejs_compat (which defines process.versions.node) from Node', () => {
    const facts = detectRuntime({ navigator: { userAgent: 'Cloudflare-Workers' }, process: { versions: { node: '22.0.0' } } });
    expect(facts).toEqual({ isWorkerd: true, isDeno: false, isNode: false, hasWebGpu: false });
  });

  it('tells Deno (which also defines process.versions.node) from Node, and sees its navigator.gpu', () => {
    const facts = detectRuntime({
      Deno: { version: { deno: '2.9.6' } },
      process: { versions: { node: '24.0.0' } },
      navigator: { userAgent: 'Deno/2.9.6', gpu: {} },
    });
    expect(facts).toEqual({ isWorkerd: false, isDeno: true, isNode: false, hasWebGpu: true });
  });

  it('is frozen, and says Node here', () => {
    expect(Object.isFrozen(RUNTIME)).toBe(true);
    expect(RUNTIME.isNode).toBe(true);
    expect(RUNTIME.isWorkerd || RUNTIME.isDeno).toBe(false);
  });
});

describe('backendCandidates', () => {
  it('auto: workerd runs the kernel, then wasm, even with WebGPU present', () => {
    expect(backendCandidates('auto', host({ isWorkerd: true, hasWebGpu: true }))).toEqual(['kernel', 'wasm']);
  });

  it('auto: Node tries CUDA, then the fused kernel, then onnxruntime-node\'s CPU, WebGPU when navigator.gpu exists, then wasm', () => {
    expect(backendCandidates('auto', host({ isNode: true }))).toEqual(['native-cuda', 'kernel', 'native-cpu', 'wasm']);
    expect(backendCandidates('auto', host({ isNode: true, hasWebGpu: true }))).toEqual(['native-cuda', 'kernel', 'native-cpu', 'webgpu', 'wasm']);
  });

  it('auto: Deno, where the kernel was not measured against onnxruntime-node, tries native (CUDA, CPU), then WebGPU, then wasm', () => {
    expect(backendCandidates('auto', host({ isDeno: true }))).toEqual(['native-cuda', 'native-cpu', 'wasm']);
    expect(backendCandidates('auto', host({ isDeno: true, hasWebGpu: true }))).toEqual([
      'native-cuda',
      'native-cpu',
      'webgpu',
      'wasm',
    ]);
  });

  it('auto: other hosts (browsers) prefer WebGPU, then wasm', () => {
    expect(backendCandidates('auto', host({ hasWebGpu: true }))).toEqual(['webgpu', 'wasm']);
    expect(backendCandidates('auto', host({}))).toEqual(['wasm']);
  });

  it('explicit GPU backends degrade to their CPU sibling; others stand alone', () => {
    expect(backendCandidates('webgpu', host({ isNode: true }))).toEqual(['webgpu', 'wasm']);
    expect(backendCandidates('native-cuda', host({ isNode: true }))).toEqual(['native-cuda', 'native-cpu']);
    expect(backendCandidates('native-cpu', host({ isWorkerd: true }))).toEqual(['native-cpu']);
    expect(backendCandidates('wasm', host({ isNode: true }))).toEqual(['wasm']);
  });

  it('rejects an unknown backend with the list of supported ones', () => {
    const attempt = () => backendCandidates('cuda', host({ isNode: true }));
    expect(attempt).toThrow(BindingError);
    expect(attempt).toThrow(`unknown backend "cuda"; supported: ${SUPPORTED_BACKENDS.join(', ')}`);
  });
});

describe('createBinding on a workerd without the kernel module', () => {
  it('passes over the kernel in silence and lands on wasm', async () => {
    const { architecture, base } = await loadFixture();
    const workerd = host({ isWorkerd: true });
    const messages: string[] = [];
    const binding = await createBinding({ base, heads: {}, architecture, runtime: workerd, log: (m) => messages.push(m) });
    try {
      expect(binding.backend).toBe('wasm');
      expect(messages).toEqual([]);
    } finally {
      await binding.dispose();
    }
  });
});
