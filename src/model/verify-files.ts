import type { ModelSource } from '../types';
import { EngineError } from '../errors';
import type { Manifest } from './manifest';

/**
 * Reads the files the manifest lists (all, or `only` those) and checks its size and sha256 before anything parses it, so a
 * truncated download or a swapped file fails here, naming the file, instead of deep inside a runtime.
 */
export async function readVerifiedFiles(
  source: ModelSource,
  manifest: Manifest,
  only?: ReadonlySet<string>,
): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  for (const [name, expected] of Object.entries(manifest.files)) {
    if (only !== undefined && !only.has(name)) continue;
    const bytes = await readFile(source, name);
    if (bytes.byteLength !== expected.bytes) {
      throw new EngineError(
        'model-file-corrupt',
        `${name}: ${bytes.byteLength} bytes, manifest says ${expected.bytes} (truncated or replaced file?)`,
        { file: name },
      );
    }
    const actual = await sha256Hex(bytes);
    if (actual !== expected.sha256) {
      throw new EngineError('model-file-corrupt', `${name}: sha256 ${actual} does not match the manifest's ${expected.sha256}`, {
        file: name,
      });
    }
    files.set(name, bytes);
  }
  return files;
}

export async function readFile(source: ModelSource, name: string): Promise<Uint8Array> {
  try {
    return await source.read(name);
  } catch (cause) {
    throw new EngineError('model-file-missing', `${name}: could not be read from the model source`, { file: name, cause });
  }
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  // Model sources return bytes in a plain ArrayBuffer, never a SharedArrayBuffer (which digest refuses).
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
