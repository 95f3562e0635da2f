/**
 * Starts the local dev server exactly as a user does (`npm start`: wrangler's dev server, workerd through
 * Miniflare) on a loopback port it picks itself (port 0) with throwaway state, and stops it with its whole process group.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnServer, waitUntilServing } from '../support/server-process';

export interface DevServer {
  readonly url: string;
  readonly output: () => string;
  stop(): Promise<void>;
}

/** `modelDir` overrides wrangler.toml's assets directory (the shipped model) when given. */
export async function startWranglerDev(root: string, modelDir?: string, vars: Record<string, string> = {}): Promise<DevServer> {
  const state = await mkdtemp(join(tmpdir(), 'cerberus-e2e-'));
  const args = ['run', '--silent', 'start', '--', '--ip', '127.0.0.1', '--port', '0', '--persist-to', state, '--log-level', 'info'];
  if (modelDir !== undefined) args.push('--assets', resolve(root, modelDir));
  for (const [name, value] of Object.entries(vars)) args.push('--var', `${name}:${value}`);
  // own process group: stop() ends npm, wrangler and the workerd it started
  const server = spawnServer('npm', args, { cwd: root, env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: '1' }, state });
  const url = await waitUntilServing(server, 'npm start', 120_000);
  return { url, output: server.output, stop: server.stop };
}
