import type { ResolvedEvalSpec, Route } from './schema.js';
import type { SearchSpec } from './search.js';
import type { TargetRef } from '../targets/target.js';

/** A validated study: defaults filled in, every target's parameters resolved. */
export interface StudySpec {
  readonly name: string;
  readonly description?: string;
  readonly grid: {
    readonly dims: readonly number[];
    /** Empty when only a search chooses the widths. */
    readonly widths: readonly number[];
    /** Empty when only a search chooses the widths. */
    readonly seeds: readonly number[];
    readonly targets: readonly TargetRef[];
  };
  readonly train: {
    readonly steps: number;
    readonly samples: number | 'auto';
    readonly init?: 'random' | 'reference';
    readonly lr: number;
    readonly optimizer: 'auto' | 'adam' | 'sgd' | 'lsgd' | 'lbfgs';
    readonly momentum: number;
    readonly schedule: 'constant' | 'cosine';
    readonly batch: number;
    readonly loss: 'auto' | 'mse' | 'l1' | 'cross-entropy';
    readonly mode?: 'direct' | 'construction' | 'both';
    readonly eps?: number;
  };
  readonly eval: ResolvedEvalSpec;
  /** Which pool of workers each task goes to in a distributed sweep; empty = all to `default`. */
  readonly routing: readonly Route[];
  /** A width search (coordinator/search), if the spec has one. */
  readonly search?: SearchSpec;
}
