import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ModelSource } from '../engine';

/** Model files from a folder on disk (Node, and Deno through its node: modules). */
export function fsModelSource(dir: string): ModelSource {
  return {
    async read(name) {
      const bytes = await readFile(resolve(dir, name));
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
  };
}
