/**
 * Runs an entry's npm start script (Node or Deno) on a loopback port it picks itself with the tiny fixture
 * model, waits until it serves, and stops its whole process group.
 */
import { fileURLToPath } from 'node:url';
import { spawnServer, waitUntilServing } from '../support/server-process';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const FIXTURE_DIR = fileURLToPath(new URL('../fixtures/tiny/', import.meta.url));

export interface RunningEntry {
  readonly url: string;
  stop(): Promise<void>;
}

export async function startEntry(script: 'start:node' | 'start:deno'): Promise<RunningEntry> {
  const server = spawnServer('npm', ['run', '--silent', script], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', CERBERUS_MODEL_DIR: FIXTURE_DIR, CERBERUS_BACKEND: 'native-cpu' },
  });
  return { url: await waitUntilServing(server, script, 90_000), stop: server.stop };
}
