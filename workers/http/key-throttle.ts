/**
 * Keeps floods of bad API keys away from the tenant store. Every request with a key costs a store lookup
 * (on Workers an RPC to the one TenantsDO that every tenant's requests also need), so unknown keys are
 * (1) remembered for a minute and refused without a lookup, and (2) looked up at most `perSecond` a second
 * (a token bucket) in this process / isolate; past that, keys not seen authenticating here recently get
 * 429 without a lookup. Keys that did authenticate bypass the bucket but are still looked up every time,
 * so a revoked key fails on its very next request.
 */
export interface KeyThrottleOptions {
  readonly perSecond: number;
  readonly burst: number;
  /** Hashes remembered, each way. */
  readonly remember: number;
  readonly unknownTtlMs: number;
}

export const DEFAULT_KEY_THROTTLE: KeyThrottleOptions = { perSecond: 20, burst: 40, remember: 4096, unknownTtlMs: 60_000 };

export type KeyVerdict = 'lookup' | 'known_unknown' | 'throttled';

/** A bounded map that forgets its oldest entries first. */
function remember<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  for (const oldest of map.keys()) {
    if (map.size <= max) break;
    map.delete(oldest);
  }
}

export class KeyThrottle {
  readonly #good = new Map<string, true>();
  readonly #unknown = new Map<string, number>();
  #tokens: number;
  #refilledAt = 0;

  constructor(private readonly options: KeyThrottleOptions = DEFAULT_KEY_THROTTLE) {
    this.#tokens = options.burst;
  }

  /** Whether to look `keyHash` up in the store now. */
  check(keyHash: string, nowMs: number): KeyVerdict {
    if (this.#good.has(keyHash)) return 'lookup';
    const failedAt = this.#unknown.get(keyHash);
    if (failedAt !== undefined && nowMs - failedAt < this.options.unknownTtlMs) return 'known_unknown';
    this.#tokens = Math.min(this.options.burst, this.#tokens + ((nowMs - this.#refilledAt) / 1000) * this.options.perSecond);
    this.#refilledAt = nowMs;
    if (this.#tokens < 1) return 'throttled';
    this.#tokens -= 1;
    return 'lookup';
  }

  authenticated(keyHash: string): void {
    this.#unknown.delete(keyHash);
    remember(this.#good, keyHash, true, this.options.remember);
  }

  unknown(keyHash: string, nowMs: number): void {
    this.#good.delete(keyHash);
    remember(this.#unknown, keyHash, nowMs, this.options.remember);
  }
}
