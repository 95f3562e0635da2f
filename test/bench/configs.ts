/** The decoding configurations the bench compares, and the gate policy each one runs under. */
import type { GatePolicy } from '../../src/index';
import { DEFAULT_TENANT_CONFIG } from '../../workers/tenants/config';

export interface BenchConfig {
  /** Stable key in the JSON results. */
  readonly id: string;
  /** Shown in tables and charts. */
  readonly name: string;
  readonly mode: 'ar' | 'medusa' | 'cerberus';
  /** off: every step parallel; adaptive: the product's default gate; fixed: the sweep. */
  readonly gate: 'off' | 'adaptive' | 'fixed';
  readonly threshold?: number;
  /** Drafts copied from the context (GenerateOptions.drafts); default on, as in the product. */
  readonly drafts?: boolean;
}

/** The product's default gate (a new tenant's), so the engine path and the Worker path run the same policy. */
export const ADAPTIVE_POLICY: GatePolicy = {
  adaptive: DEFAULT_TENANT_CONFIG.gate.mode === 'adaptive',
  threshold: DEFAULT_TENANT_CONFIG.gate.threshold,
  min: DEFAULT_TENANT_CONFIG.gate.min,
  max: DEFAULT_TENANT_CONFIG.gate.max,
  explorationRate: DEFAULT_TENANT_CONFIG.gate.exploration_rate,
};

export function gatePolicyOf(config: BenchConfig): GatePolicy {
  if (config.gate !== 'fixed') return ADAPTIVE_POLICY;
  const t = config.threshold!;
  return { adaptive: false, threshold: t, min: Math.min(ADAPTIVE_POLICY.min, t), max: Math.max(ADAPTIVE_POLICY.max, t), explorationRate: 0 };
}

/** Configurations that switch a product default off to show what it buys; the targets are about the product's. */
export const ABLATIONS: ReadonlySet<string> = new Set(['cerberus+gate-nodrafts']);

/** AR first: it is every other configuration's reference. */
export function benchConfigs(thresholds: readonly number[]): BenchConfig[] {
  return [
    { id: 'ar', name: 'AR', mode: 'ar', gate: 'off' },
    { id: 'medusa', name: 'Medusa', mode: 'medusa', gate: 'off' },
    { id: 'medusa+gate', name: 'Medusa+gate', mode: 'medusa', gate: 'adaptive' },
    { id: 'cerberus', name: 'Cerberus', mode: 'cerberus', gate: 'off' },
    { id: 'cerberus+gate', name: 'Cerberus+gate', mode: 'cerberus', gate: 'adaptive' },
    { id: 'cerberus+gate-nodrafts', name: 'Cerberus+gate, no drafts', mode: 'cerberus', gate: 'adaptive', drafts: false },
    ...thresholds.map((t): BenchConfig => ({ id: `cerberus@${t}`, name: `Cerberus@${t}`, mode: 'cerberus', gate: 'fixed', threshold: t })),
  ];
}
