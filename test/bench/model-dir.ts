/** What the benchmarks share: where they find a model (given, else the shipped one, else the fixture) and backend names. */
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { BackendName, ModelSource } from '../../src/index';

/** The first models/<name>/ with a manifest.json, else test/fixtures/tiny. */
export async function defaultModelDir(): Promise<string> {
  const models = resolve('models');
  for (const entry of (await readdir(models, { withFileTypes: true })).filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const dir = join(models, entry.name);
    if ((await readdir(dir)).includes('manifest.json')) return dir;
  }
  return resolve('test/fixtures/tiny');
}

export function fileSource(dir: string): ModelSource {
  return { read: async (name: string) => new Uint8Array(await readFile(join(dir, name))) };
}

const BACKENDS = ['auto', 'wasm', 'webgpu', 'native-cpu', 'native-cuda'] as const;

/** A backend named on the command line, or an error listing the known ones. */
export function parseBackend(name: string): BackendName | 'auto' {
  if (!(BACKENDS as readonly string[]).includes(name)) throw new Error(`unknown backend ${name}; one of ${BACKENDS.join(', ')}`);
  return name as BackendName | 'auto';
}
