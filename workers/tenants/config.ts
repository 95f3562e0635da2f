/**
 * A tenant's policy: how its sessions decode and how much it may ask for. Stored and served in the admin
 * API's snake_case shape; `gatePolicyOf` (below) is the one place it turns into the engine's terms.
 */
import { z } from 'zod';
import { DECODING_MODES, HEAD_KINDS, type GatePolicy } from '../engine';

const decodingMode = z.enum(DECODING_MODES);

const gateFields = {
  mode: z.enum(['fixed', 'adaptive']),
  /** Entropy (nats) at or below which a step decodes in parallel; the start value when adaptive. */
  threshold: z.number().min(0).max(20),
  min: z.number().min(0).max(20),
  max: z.number().min(0).max(20),
  exploration_rate: z.number().min(0).max(1),
};

const configFields = {
  gate: z.object(gateFields).strict(),
  head_kind: z.enum(HEAD_KINDS),
  allowed_modes: z
    .array(decodingMode)
    .min(1)
    .refine((modes) => new Set(modes).size === modes.length, 'allowed_modes lists each mode at most once'),
  tree_budget: z.int().min(1).max(63),
  max_tokens: z.int().min(1).max(4096),
  rate_limit_per_minute: z.int().min(1).max(1_000_000),
  /** Turns generating or queued at once for this tenant (http/admission.ts); more get 429. */
  max_concurrent: z.int().min(1).max(1024),
  /** Conversations held at once (tenants/session-registry.ts); past it the least recently used are forgotten. */
  max_sessions: z.int().min(1).max(1_000_000),
};

export const DEFAULT_MAX_CONCURRENT = 16;
export const DEFAULT_MAX_SESSIONS = 1024;

export const tenantConfigSchema = z
  // Stored configs from before max_concurrent / max_sessions existed read as the defaults.
  .object({
    ...configFields,
    max_concurrent: configFields.max_concurrent.default(DEFAULT_MAX_CONCURRENT),
    max_sessions: configFields.max_sessions.default(DEFAULT_MAX_SESSIONS),
  })
  .strict()
  .refine(({ gate }) => gate.min <= gate.threshold && gate.threshold <= gate.max, {
    message: 'gate bounds must satisfy min <= threshold <= max',
    path: ['gate'],
  });

export type TenantConfig = z.output<typeof tenantConfigSchema>;
export type DecodingModeName = z.output<typeof decodingMode>;

/** What PATCH accepts: any subset, `gate` merged field by field. */
export const tenantConfigPatchSchema = z
  .object({ ...configFields, gate: z.object(gateFields).strict().partial() })
  .strict()
  .partial();

export type TenantConfigPatch = z.output<typeof tenantConfigPatchSchema>;

/** Parsed, not just typed, so the defaults are checked by the same rules as every stored config. */
export const DEFAULT_TENANT_CONFIG: TenantConfig = tenantConfigSchema.parse({
  gate: { mode: 'adaptive', threshold: 2.5, min: 0.5, max: 6, exploration_rate: 0.05 },
  head_kind: 'cerberus',
  allowed_modes: ['ar', 'medusa', 'cerberus'],
  tree_budget: 16,
  max_tokens: 256,
  rate_limit_per_minute: 120,
  max_concurrent: DEFAULT_MAX_CONCURRENT,
  max_sessions: DEFAULT_MAX_SESSIONS,
});

export type PatchResult = { ok: true; config: TenantConfig } | { ok: false; message: string; param: string | null };

/** Merges a patch and re-validates the whole, so a patch can never leave a config out of bounds. */
export function applyConfigPatch(config: TenantConfig, patch: TenantConfigPatch): PatchResult {
  const merged = { ...config, ...patch, gate: { ...config.gate, ...patch.gate } };
  const result = tenantConfigSchema.safeParse(merged);
  if (result.success) return { ok: true, config: result.data };
  const issue = result.error.issues[0];
  return {
    ok: false,
    message: issue?.message ?? 'invalid configuration',
    param: issue?.path.length ? issue.path.map(String).join('.') : null,
  };
}

/** The tenant's gate settings (the API's snake_case) as the engine's GatePolicy: the one place they are mapped. */
export function gatePolicyOf(gate: TenantConfig['gate']): GatePolicy {
  return { adaptive: gate.mode === 'adaptive', threshold: gate.threshold, min: gate.min, max: gate.max, explorationRate: gate.exploration_rate };
}
