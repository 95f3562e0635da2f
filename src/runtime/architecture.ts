import type { HeadKind } from './binding';

/**
 * The sizes a binding needs to build and check tensors. Field names follow `manifest.json`'s
 * `architecture` block (docs/model-contract.md), so the engine can pass that block through unchanged.
 */
export interface ModelArchitecture {
  readonly vocab_size: number;
  readonly d_model: number;
  readonly n_layers: number;
  readonly n_kv_heads: number;
  readonly head_dim: number;
  /** `heads.<kind>.num_heads` from the manifest (K); checked against each heads graph when given. */
  readonly decoding_heads?: Partial<Record<HeadKind, number>>;
  /**
   * Columns of a shortlisted kind's head_logits (`heads.<kind>.shortlist.size` where the manifest lists its
   * ids); a heads graph may also be V wide (a variant that was not shortlisted).
   */
  readonly head_columns?: Partial<Record<HeadKind, number>>;
}

/** Float count of one layer's K (or V) cache holding `positions` positions: [H_kv, positions, D_h]. */
export function kvSize(arch: ModelArchitecture, positions: number): number {
  return arch.n_kv_heads * positions * arch.head_dim;
}
