import { z } from 'zod';
import type { GatePolicy, GateState } from '../engine/api';
import { EngineError } from '../engine/errors';

/** The manifest's gate calibration: extra tokens accepted per parallel step, per entropy bin. */
export interface GateCalibration {
  readonly bin_edges: readonly number[];
  readonly mean_accepted: readonly number[];
  readonly count: readonly number[];
}

/**
 * The calibration counts as at most this many steps per bin, so a session's own observations (its backend,
 * its tenant's prompts) outweigh it after a few dozen parallel steps.
 */
export const PRIOR_STEPS_PER_BIN = 16;

export function initialGateState(calibration: GateCalibration, policy: GatePolicy): GateState {
  const count = calibration.count.map((c) => Math.min(c, PRIOR_STEPS_PER_BIN));
  return {
    version: 1,
    threshold: clamp(policy.threshold, policy),
    binEdges: [...calibration.bin_edges],
    sumAccepted: calibration.mean_accepted.map((m, i) => m * count[i]!),
    count,
  };
}

const finite = z.number().refine(Number.isFinite, 'must be finite');
const gateStateSchema = z
  .object({
    version: z.literal(1),
    threshold: finite,
    binEdges: z.array(finite).min(2),
    sumAccepted: z.array(finite.refine((v) => v >= 0, 'must be >= 0')),
    count: z.array(finite.refine((v) => v >= 0, 'must be >= 0')),
  })
  .refine((s) => s.sumAccepted.length === s.binEdges.length - 1 && s.count.length === s.binEdges.length - 1, {
    message: 'sumAccepted and count need one entry per bin (binEdges.length - 1)',
  })
  .refine((s) => s.binEdges.every((e, i) => i === 0 || e > s.binEdges[i - 1]!), { message: 'binEdges must increase' });

/** Validates a persisted state (it crossed a storage boundary, so it is untrusted). */
export function restoreGateState(value: unknown): GateState {
  const parsed = gateStateSchema.safeParse(value);
  if (!parsed.success) {
    throw new EngineError('invalid-gate-state', `gate state cannot be restored: ${z.prettifyError(parsed.error)}`, {
      cause: parsed.error,
    });
  }
  return parsed.data;
}

export function clamp(threshold: number, policy: Pick<GatePolicy, 'min' | 'max'>): number {
  return Math.min(policy.max, Math.max(policy.min, threshold));
}
