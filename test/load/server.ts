/**
 * The server under load: `npm start` (wrangler's dev server) or the Node entry, on a free loopback port
 * with throwaway state, plus a sampler of the resident memory of its whole process tree.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnServer, waitUntilServing } from '../support/server-process';

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

export async function startServer(target: Target, root: string, modelDir: string | undefined, env: Record<string, string>): Promise<LoadServer> {
  const state = await mkdtemp(join(tmpdir(), 'cerberus-load-'));
  const adminSecret = 'dev-admin-secret'; // both entries' --dev default
  const args =
    target === 'wrangler'
      ? ['run', '--silent', 'start', '--', '--ip', '127.0.0.1', '--port', '0', '--persist-to', state, '--log-level', 'warn',
         ...(modelDir === undefined ? [] : ['--assets', resolve(root, modelDir)]),
         ...Object.entries(env).flatMap(([name, value]) => ['--var', `${name}:${value}`])]
      : ['run', '--silent', 'start:node'];
  // own process group: stop() reaches npm, the runtime and whatever it started
  const server = spawnServer('npm', args, {
    cwd: root,
    env: {
      ...process.env,
      ...env,
      WRANGLER_SEND_METRICS: 'false',
      CI: '1',
      PORT: '0',
      HOST: '127.0.0.1',
      ...(modelDir === undefined ? {} : { CERBERUS_MODEL_DIR: resolve(root, modelDir) }),
    },
    state,
  });
  const { child } = server;
  const url = await waitUntilServing(server, 'the server', 180_000);
  return { url, adminSecret, rss: () => (child.pid === undefined ? 0 : treeRss(child.pid)), output: server.output, stop: server.stop };
}
