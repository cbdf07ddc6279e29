import type { ResolvedEvalSpec } from './schema.js';
import type { TargetRef } from '../targets/target.js';

/** A validated study: defaults filled in, every target's parameters resolved. */
export interface StudySpec {
  readonly name: string;
  readonly description?: string;
  readonly grid: {
    readonly dims: readonly number[];
    readonly widths: readonly number[];
    readonly seeds: readonly number[];
    readonly targets: readonly TargetRef[];
  };
  readonly train: {
    readonly steps: number;
    readonly samples: number;
    readonly lr: number;
    readonly optimizer: 'adam' | 'sgd';
    readonly momentum: number;
    readonly schedule: 'constant' | 'cosine';
    readonly batch: number;
    readonly loss: 'auto' | 'mse' | 'l1' | 'cross-entropy';
  };
  readonly eval: ResolvedEvalSpec;
}
