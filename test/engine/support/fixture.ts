/**
 * The tiny test model, the same way in every test environment: Node and Deno read it from disk, workerd
 * fetches it from a service binding the workerd project serves from disk (./fixture-files*.ts).
 * Engine tests use `fixtureSource()` like any ModelSource; runtime tests use `fixtureBinding()`.
 */
import type { ModelSource } from '../../../src/types';
import { bindingArchitecture } from '../../../src/engine/model';
import { parseManifest, type Manifest } from '../../../src/model/manifest';
import type { HeadKind, InferenceBinding, ModelArchitecture } from '../../../src/runtime';
import { createBinding, RUNTIME, type BackendRequest } from '../../../src/runtime';
import { FIXTURE_VARIANT, readFixtureFile } from './fixture-files';

export { FIXTURE_VARIANT };

export interface Fixture {
  readonly source: ModelSource;
  readonly manifest: Manifest;
  readonly architecture: ModelArchitecture;
  readonly base: Uint8Array;
  readonly heads: Partial<Record<HeadKind, Uint8Array>>;
}

/** Every backend the current host can run, in the order the contract suite runs them. */
export const TEST_BACKENDS: readonly BackendRequest[] =
  RUNTIME.isWorkerd ? ['wasm', 'kernel'] : ['native-cpu', 'wasm', 'kernel'];

export function fixtureSource(): ModelSource {
  return { read: readFixtureFile };
}

async function load(): Promise<Fixture> {
  const source = fixtureSource();
  const manifest = parseManifest(await source.read('manifest.json'));
  const heads: Partial<Record<HeadKind, Uint8Array>> = {};
  for (const kind of ['cerberus', 'medusa'] as const) {
    const entry = manifest.heads[kind];
    if (entry !== undefined) heads[kind] = await source.read(entry.file);
  }
  return {
    source,
    manifest,
    // what loadModel hands its binding
    architecture: bindingArchitecture(manifest, Object.keys(heads) as HeadKind[]),
    base: await source.read(manifest.base.file),
    heads,
  };
}

let cached: Promise<Fixture> | undefined;

export function loadFixture(): Promise<Fixture> {
  cached ??= load();
  return cached;
}

export async function fixtureBinding(backend: BackendRequest = 'auto'): Promise<InferenceBinding> {
  const { base, heads, architecture } = await loadFixture();
  return createBinding({ backend, base, heads, architecture });
}
