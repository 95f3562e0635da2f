/**
 * Node / Deno side of fixture loading: read test/fixtures/tiny/ from disk. The workerd project aliases
 * this module to ./fixture-files.workerd.ts (see test/engine/vitest.workerd.config.ts).
 * CERBERUS_FIXTURE_DIR points the same tests at another model folder (e.g. models/tinystories-6m), and
 * CERBERUS_FIXTURE_VARIANT at one of its base variants (e.g. int8).
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURE_DIR = process.env['CERBERUS_FIXTURE_DIR']
  ? resolve(process.env['CERBERUS_FIXTURE_DIR'])
  : fileURLToPath(new URL('../../fixtures/tiny/', import.meta.url));

export const FIXTURE_VARIANT: string | undefined = process.env['CERBERUS_FIXTURE_VARIANT'] || undefined;

export async function readFixtureFile(name: string): Promise<Uint8Array> {
  const bytes = await readFile(resolve(FIXTURE_DIR, name));
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
