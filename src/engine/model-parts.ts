import type { ObservedCost } from '../gate/observed-cost';
import type { Manifest } from '../model/manifest';
import type { HeadKind, InferenceBinding } from '../runtime/binding';
import type { TextTokenizer } from '../tokenizer/text-tokenizer';
import type { TreeShape } from '../decoding/tree-policy';
import type { CostModel } from '../types';
import type { EngineConfig } from './config';

/** What a session borrows from its loaded model (shared by all sessions of the model). */
export interface ModelParts {
  readonly manifest: Manifest;
  readonly tokenizer: TextTokenizer;
  readonly binding: InferenceBinding;
  readonly costModel: CostModel;
  readonly config: EngineConfig;
  /** Which trees a parallel step may verify with this base variant. */
  readonly treeShape: TreeShape;
  /** Step times as decoding sees them, shared by the model's sessions. */
  readonly observedCost: ObservedCost;
  /** Throws `unsupported-head-kind` unless the manifest has the heads and the binding loaded them. */
  requireHeads(kind: HeadKind): void;
}
