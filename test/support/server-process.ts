/**
 * A server the tests, the bench and the load script start as a child: in its own process group (so stop()
 * ends it and everything it started: npm, wrangler, workerd), its output captured for error messages, its
 * throwaway state folder removed on stop, and a wait until it answers /healthz. Servers start on port 0 and
 * are found by the URL they print: a port probed free and then handed over can be taken in between (by
 * workerd's own sockets, or another test's server), which once failed CI with EADDRINUSE.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';

export interface ServerProcess {
  readonly child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** `state`: a throwaway folder of the server's, removed on stop. */
export function spawnServer(command: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv; state?: string }): ServerProcess {
  const child = spawn(command, args, { cwd: options.cwd, detached: true, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const stop = async () => {
    if (child.exitCode === null && child.pid !== undefined) {
      const exited = new Promise((r) => child.once('exit', r));
      process.kill(-child.pid, 'SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
    }
    if (options.state !== undefined) await rm(options.state, { recursive: true, force: true });
  };
  return { child, output: () => log, stop };
}

/** Every entry prints one line `cerberus-edge… on http://HOST:PORT…` once it listens. */
const LISTENING = /cerberus-edge\b[^\n]*? on (http:\/\/[\w.]+:\d+)/;

/** Resolves with the server's URL once it has printed it and answers /healthz with 200. */
export async function waitUntilServing(server: ServerProcess, what: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && server.child.exitCode === null) {
    const url = LISTENING.exec(server.output())?.[1];
    if (url !== undefined) {
      await waitForHealth(url, server, what, deadline - Date.now());
      return url;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await server.stop();
  throw new Error(`${what} ${server.child.exitCode === null ? `printed no URL within ${timeoutMs} ms` : `exited with ${server.child.exitCode}`}:\n${server.output()}`);
}

/** Resolves once `url`/healthz answers 200; otherwise stops the server and throws with its output. */
export async function waitForHealth(url: string, server: ServerProcess, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let failure = `${what} did not answer /healthz within ${timeoutMs} ms`;
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null) {
      failure = `${what} exited with ${server.child.exitCode}`;
      break;
    }
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await server.stop();
  throw new Error(`${failure}:\n${server.output()}`);
}
