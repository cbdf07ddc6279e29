import type { EvalMetrics } from '../result.js';

/**
 * The reference approximants computed beside training (see shared/reference/references.ts):
 * `random-features` (the initial hidden layer, least-squares output layer), `interpolant` (the
 * m-knot uniform interpolant, d = 1), `free-knot` (the best free-knot width-m piecewise-linear fit,
 * d = 1), `ridge-interpolant` (the 1-D interpolant along the direction of a ridge target),
 * `teacher` (the teacher network itself, width >= k) and `greedy` (orthogonal greedy selection of
 * m ReLU ridge atoms from a random dictionary, any d).
 */
export const REFERENCE_METHODS = [
  'random-features',
  'interpolant',
  'free-knot',
  'ridge-interpolant',
  'teacher',
  'greedy',
] as const;

export type ReferenceMethod = (typeof REFERENCE_METHODS)[number];

/**
 * One reference approximant of a task's target at the task's width, evaluated exactly as the
 * trained network is (same points, same measure). Plain data, so it crosses thread, process and
 * wire boundaries unchanged.
 */
export interface ReferenceResult {
  readonly method: ReferenceMethod;
  readonly metrics: EvalMetrics;
  /**
   * Root mean squared residual on the points it was fitted to: the training data
   * (random-features), the training data plus fresh points (greedy); null otherwise.
   */
  readonly trainRmse: number | null;
  /** The absolute ridge penalty (random-features); null otherwise. */
  readonly ridge: number | null;
  /** Time to build and evaluate the reference. Unit: ms. */
  readonly fitMs: number;
}
