/**
 * The server under load: `npm start` (wrangler's dev server) or the Node entry, on a free loopback port
 * with throwaway state, plus a sampler of the resident memory of its whole process tree.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../support/free-port';

export type Target = 'wrangler' | 'node';

export interface LoadServer {
  readonly url: string;
  readonly adminSecret: string;
  /** Resident memory of the server's process tree now, in bytes (0 where /proc is not available). */
  rss(): number;
  output(): string;
  stop(): Promise<void>;
}

/** Children by parent pid, read from /proc once per sample. */
function childrenByParent(): Map<number, number[]> {
  const byParent = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name is in parentheses and may contain spaces: the fields after its ")" are fixed.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      byParent.set(ppid, [...(byParent.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended between the listing and the read
    }
  }
  return byParent;
}

function treeRss(root: number): number {
  let byParent: Map<number, number[]>;
  try {
    byParent = childrenByParent();
  } catch {
    return 0;
  }
  let total = 0;
  const pending = [root];
  while (pending.length > 0) {
    const pid = pending.pop()!;
    try {
      const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      total += Number(match?.[1] ?? 0) * 1024;
    } catch {
      // gone
    }
    pending.push(...(byParent.get(pid) ?? []));
  }
  return total;
}

async function waitForHealth(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output()}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`server did not answer /healthz within 180 s:\n${output()}`);
}

export async function startServer(target: Target, root: string, modelDir: string | undefined, env: Record<string, string>): Promise<LoadServer> {
  const port = await freePort();
  const state = await mkdtemp(join(tmpdir(), 'cerberus-load-'));
  const adminSecret = 'dev-admin-secret'; // both entries' --dev default
  const args =
    target === 'wrangler'
      ? ['run', '--silent', 'start', '--', '--ip', '127.0.0.1', '--port', String(port), '--persist-to', state, '--log-level', 'warn',
         ...(modelDir === undefined ? [] : ['--assets', resolve(root, modelDir)]),
         ...Object.entries(env).flatMap(([name, value]) => ['--var', `${name}:${value}`])]
      : ['run', '--silent', 'start:node'];
  const child = spawn('npm', args, {
    cwd: root,
    detached: true, // own process group: stop() reaches npm, the runtime and whatever it started
    env: {
      ...process.env,
      ...env,
      WRANGLER_SEND_METRICS: 'false',
      CI: '1',
      PORT: String(port),
      HOST: '127.0.0.1',
      ...(modelDir === undefined ? {} : { CERBERUS_MODEL_DIR: resolve(root, modelDir) }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const output = () => log;
  const stop = async () => {
    if (child.exitCode === null && child.pid !== undefined) {
      const exited = new Promise((r) => child.once('exit', r));
      process.kill(-child.pid, 'SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
    }
    await rm(state, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(url, child, output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, adminSecret, rss: () => (child.pid === undefined ? 0 : treeRss(child.pid)), output, stop };
}
