import type { EvalMetrics } from '../result.js';

/** The reference approximants computed beside training (see shared/reference/references.ts). */
export const REFERENCE_METHODS = ['random-features', 'interpolant'] as const;
export type ReferenceMethod = (typeof REFERENCE_METHODS)[number];

/**
 * One reference approximant of a task's target at the task's width, evaluated exactly as the
 * trained network is (same points, same measure). Plain data, so it crosses thread, process and
 * wire boundaries unchanged.
 */
export interface ReferenceResult {
  readonly method: ReferenceMethod;
  readonly metrics: EvalMetrics;
  /** Root mean squared residual on the training data (random-features); null otherwise. */
  readonly trainRmse: number | null;
  /** The absolute ridge penalty (random-features); null otherwise. */
  readonly ridge: number | null;
  /** Time to build and evaluate the reference. Unit: ms. */
  readonly fitMs: number;
}
