// The model folders the toolchain ships. Required ones must exist; tests run over every folder found.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const VALID_TXT = path.join(REPO_ROOT, '..', 'shared', 'data', 'tinystories', 'valid.txt');

/** Folders that must be present (committed artifacts). */
export const REQUIRED_MODELS = ['models/tinystories-6m', 'test/fixtures/tiny'];

/** Every folder under models/ or test/fixtures/ holding a manifest.json, plus the required ones. */
export function modelFolders(): string[] {
  const found = new Set(REQUIRED_MODELS);
  for (const parent of ['models', 'test/fixtures']) {
    const dir = path.join(REPO_ROOT, parent);
    for (const name of fs.readdirSync(dir)) {
      if (fs.existsSync(path.join(dir, name, 'manifest.json'))) found.add(`${parent}/${name}`);
    }
  }
  return [...found].sort();
}

export function readJson<T = any>(...parts: string[]): T {
  return JSON.parse(fs.readFileSync(path.join(REPO_ROOT, ...parts), 'utf8')) as T;
}
