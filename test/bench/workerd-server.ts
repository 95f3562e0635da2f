/**
 * The product as a user runs it: wrangler's dev server for wrangler.toml (workerd through Miniflare), as
 * `npm start` starts it but without file watching (workerd-launcher.ts), serving a model folder on a free
 * loopback port with throwaway state, in a process group of its own. The bench talks to it over HTTP only;
 * what it reads besides HTTP is the memory and CPU time of the workerd processes (from /proc, Linux only).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnServer, waitUntilServing } from '../support/server-process';

export interface WorkerdServer {
  readonly url: string;
  /** Resident memory of the workerd processes the launcher started, MiB (0 where /proc is missing). */
  rssMb(): Promise<number>;
  /** Their lifetime peak (VmHWM), MiB. */
  peakRssMb(): Promise<number>;
  /** CPU time the workerd processes have used so far, every thread, ms (from /proc/PID/task/TID/schedstat). */
  cpuMs(): Promise<number>;
  output(): string;
  stop(): Promise<void>;
}

/** Pids in process group `pgid` whose command is workerd. */
async function workerdPids(pgid: number): Promise<number[]> {
  const pids: number[] = [];
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return pids;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      // comm is in parentheses and may hold spaces; the fields after it are space-separated.
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      if (Number(fields[2]) === pgid && comm.startsWith('workerd')) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

async function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match === null ? 0 : Number(match[1]);
  } catch {
    return 0;
  }
}

/** Nanoseconds on a CPU, summed over the threads of `pid`. */
async function cpuNs(pid: number): Promise<number> {
  let ns = 0;
  try {
    for (const tid of await readdir(`/proc/${pid}/task`)) {
      try {
        ns += Number((await readFile(`/proc/${pid}/task/${tid}/schedstat`, 'utf8')).split(' ')[0]);
      } catch {
        // the thread ended
      }
    }
  } catch {
    // the process ended, or no /proc
  }
  return ns;
}

/**
 * `baseVariant`: the Worker's BASE_VARIANT for this run ('' or undefined: the fp32 base); `backend`: its
 * BACKEND (undefined: wrangler.toml's).
 */
export async function startWorkerd(root: string, modelDir: string, baseVariant?: string, backend?: string): Promise<WorkerdServer> {
  const state = await mkdtemp(join(tmpdir(), 'cerberus-bench-'));
  const launcher = join(root, 'node_modules/.cache/cerberus-bench/workerd-launcher.mjs');
  const esbuild = join(root, 'node_modules/.bin/esbuild');
  await promisify(execFile)(esbuild, ['test/bench/workerd-launcher.ts', '--bundle', '--platform=node', '--format=esm', '--packages=external', '--log-level=warning', `--outfile=${launcher}`], { cwd: root });
  const args = [launcher, '0', state, modelDir, baseVariant ?? '', backend ?? ''];
  // its own process group: stop() ends the launcher and workerd together
  const server = spawnServer(process.execPath, args, { cwd: root, env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: '1' }, state });
  const { child, output, stop } = server;
  const pgid = child.pid!;
  // workerd's processes live as long as the server: look them up once it answers.
  let pids: number[] | undefined;
  const sum = async (field: 'VmRSS' | 'VmHWM') => {
    pids ??= await workerdPids(pgid);
    let kb = 0;
    for (const pid of pids) kb += await statusKb(pid, field);
    return kb / 1024;
  };
  const url = await waitUntilServing(server, 'the dev server', 180_000);
  const cpuMs = async () => {
    pids ??= await workerdPids(pgid);
    let ns = 0;
    for (const pid of pids) ns += await cpuNs(pid);
    return ns / 1e6;
  };
  return { url, rssMb: () => sum('VmRSS'), peakRssMb: () => sum('VmHWM'), cpuMs, output, stop };
}
