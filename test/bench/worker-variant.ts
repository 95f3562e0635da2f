/** Which base variant the Worker serves a model folder with: wrangler.toml's BASE_VARIANT, where the folder's manifest lists it. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { unstable_readConfig } from 'wrangler';

export async function workerBaseVariant(root: string, modelDir: string): Promise<string | undefined> {
  const vars = unstable_readConfig({ config: join(root, 'wrangler.toml') }).vars as Record<string, unknown>;
  const wanted = typeof vars['BASE_VARIANT'] === 'string' && vars['BASE_VARIANT'] !== '' ? vars['BASE_VARIANT'] : undefined;
  if (wanted === undefined) return undefined;
  const manifest = JSON.parse(await readFile(join(modelDir, 'manifest.json'), 'utf8')) as { base?: { variants?: Record<string, unknown> } };
  // A folder without it (the test fixture) is served fp32: the launcher overrides the var.
  return manifest.base?.variants?.[wanted] === undefined ? undefined : wanted;
}
