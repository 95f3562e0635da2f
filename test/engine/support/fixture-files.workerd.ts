/**
 * workerd side of fixture loading: the workerd test project (test/engine/vitest.workerd.config.ts)
 * serves the fixture folder from disk through the FIXTURE service binding, the way a deployed Worker
 * would fetch model files from assets or R2.
 */
import { env } from 'cloudflare:workers';

interface FixtureEnv {
  readonly FIXTURE: { fetch(input: string): Promise<Response> };
}

/** The workerd project runs the fixture's fp32 base. */
export const FIXTURE_VARIANT: string | undefined = undefined;

export async function readFixtureFile(name: string): Promise<Uint8Array> {
  const response = await (env as unknown as FixtureEnv).FIXTURE.fetch(`https://fixture/${encodeURIComponent(name)}`);
  if (!response.ok) throw new Error(`fixture file ${name}: HTTP ${response.status} ${await response.text()}`);
  return new Uint8Array(await response.arrayBuffer());
}
