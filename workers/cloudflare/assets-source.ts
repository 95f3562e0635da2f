import type { ModelSource } from '../engine';

/**
 * Model files from the Workers static-assets binding (wrangler.toml [assets], run_worker_first, so the
 * files are reachable only through this binding, never publicly). The host name is never resolved.
 */
export function assetsModelSource(assets: Fetcher): ModelSource {
  return {
    async read(name) {
      const response = await assets.fetch(`https://model.assets/${encodeURIComponent(name)}`);
      if (!response.ok) throw new Error(`model file ${name}: assets answered HTTP ${response.status}`);
      return new Uint8Array(await response.arrayBuffer());
    },
  };
}
