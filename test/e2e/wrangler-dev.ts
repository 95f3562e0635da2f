/**
 * Starts the local dev server exactly as a user does (`npm start`: wrangler's dev server, workerd through
 * Miniflare) on a free loopback port with throwaway state, and stops it with its whole process group.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../support/free-port';

export interface DevServer {
  readonly url: string;
  readonly output: () => string;
  stop(): Promise<void>;
}

async function waitForHealth(url: string, child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${output()}`);
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`npm start did not answer /healthz within ${timeoutMs} ms:\n${output()}`);
}

/** `modelDir` overrides wrangler.toml's assets directory (the shipped model) when given. */
export async function startWranglerDev(root: string, modelDir?: string, vars: Record<string, string> = {}): Promise<DevServer> {
  const port = await freePort();
  const state = await mkdtemp(join(tmpdir(), 'cerberus-e2e-'));
  const args = ['run', '--silent', 'start', '--', '--ip', '127.0.0.1', '--port', String(port), '--persist-to', state, '--log-level', 'info'];
  if (modelDir !== undefined) args.push('--assets', resolve(root, modelDir));
  for (const [name, value] of Object.entries(vars)) args.push('--var', `${name}:${value}`);
  const child = spawn('npm', args, {
    cwd: root,
    detached: true, // own process group: stop() ends npm, wrangler and the workerd it started
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const output = () => log;
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.pid !== undefined) {
      const exited = new Promise((r) => child.once('exit', r));
      process.kill(-child.pid, 'SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
    }
    await rm(state, { recursive: true, force: true });
  };
  try {
    await waitForHealth(url, child, output, 120_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, output, stop };
}
