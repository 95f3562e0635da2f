/** API keys and secrets: only SHA-256 digests are stored or compared. Web Crypto, so every runtime agrees. */

const encoder = new TextEncoder();

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)));
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export async function hashApiKey(key: string): Promise<string> {
  return toHex(await sha256(key));
}

/**
 * Compares two secrets in time independent of where they differ: both are hashed first, so the loop
 * always runs over 32 bytes whatever the lengths.
 */
export async function secretsEqual(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([sha256(given), sha256(expected)]);
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

function randomHex(bytes: number): string {
  return toHex(crypto.getRandomValues(new Uint8Array(bytes)));
}

export const newApiKey = (): string => `sk-ce-${randomHex(24)}`;
export const newTenantId = (): string => `t_${randomHex(8)}`;

/** Dev tenant seeded from DEV_API_KEY (local development only; see README). */
export const DEV_TENANT_ID = 'dev';
