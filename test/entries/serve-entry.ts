/**
 * Runs an entry's npm start script (Node or Deno) on a free loopback port with the tiny fixture model,
 * waits for its "listening" line, and stops its whole process group.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const FIXTURE_DIR = fileURLToPath(new URL('../fixtures/tiny/', import.meta.url));

export interface RunningEntry {
  readonly url: string;
  stop(): Promise<void>;
}

export async function startEntry(script: 'start:node' | 'start:deno'): Promise<RunningEntry> {
  const child = spawn('npm', ['run', '--silent', script], {
    cwd: ROOT,
    detached: true, // own process group: stop() reaches npm, the runtime and anything they started
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', CERBERUS_MODEL_DIR: FIXTURE_DIR, CERBERUS_BACKEND: 'native-cpu' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const stop = async () => {
    if (child.exitCode !== null || child.pid === undefined) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(-child.pid, 'SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    if (child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
  };
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start within 90 s:\n${output}`)), 90_000);
    const onData = (data: Buffer) => {
      output += data.toString();
      const match = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code}:\n${output}`));
    });
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return { url, stop };
}
