/**
 * Facts about the JavaScript host, computed once at import and frozen. Everything that branches on the
 * host (backend choice, how the wasm module is obtained) reads these instead of probing globals itself.
 */

interface HostGlobals {
  readonly navigator?: { readonly userAgent?: string; readonly gpu?: unknown };
  readonly Deno?: { readonly version?: { readonly deno?: string } };
  readonly process?: { readonly versions?: { readonly node?: string } };
}

export interface RuntimeFacts {
  /** workerd (Cloudflare Workers, wrangler dev, Miniflare, the Workers vitest pool). */
  readonly isWorkerd: boolean;
  /** Deno; it also defines `process.versions.node`, so it is told apart from Node first. */
  readonly isDeno: boolean;
  /** Node.js proper (not Deno, not workerd with nodejs_compat, which both define `process`). */
  readonly isNode: boolean;
  /**
   * `navigator.gpu` exists. Only says the WebGPU API is present (Deno always has it); whether an
   * adapter is available is learnt when the WebGPU backend starts.
   */
  readonly hasWebGpu: boolean;
}

export function detectRuntime(host: HostGlobals): RuntimeFacts {
  const isWorkerd = host.navigator?.userAgent === 'Cloudflare-Workers';
  const isDeno = !isWorkerd && typeof host.Deno?.version?.deno === 'string';
  const isNode = !isWorkerd && !isDeno && typeof host.process?.versions?.node === 'string';
  const hasWebGpu = host.navigator?.gpu !== undefined && host.navigator.gpu !== null;
  return Object.freeze({ isWorkerd, isDeno, isNode, hasWebGpu });
}

export const RUNTIME: RuntimeFacts = detectRuntime(globalThis as HostGlobals);
