import type { GridPredictions } from './predictions.js';
import type { ReferenceResult } from './reference/reference-result.js';

/** Error measures of a trained network on evaluation points never used in training. */
export interface EvalMetrics {
  /** Mean |g - f| over [0,1]^d (classification: sum over classes of |softmax_i - 1[class = i]|). */
  readonly l1Error: number;
  /** Standard error of l1Error, from independent scramblings (sobol) or batches (uniform). */
  readonly l1Stderr: number;
  /**
   * sqrt(mean |g - f|^2) (classification: over the class-probability vector); null where the
   * target is not in L2 (`singular` with alpha >= d/2), since the L2 error is then infinite and
   * any finite estimate only grows with the number of points.
   */
  readonly l2Error: number | null;
  /** Largest pointwise error seen at an evaluation point. */
  readonly maxError: number;
  /** Classification only: fraction of points whose argmax is the true class. */
  readonly accuracy: number | null;
  /** Classification only: l1Error after scaling the logits by eval.sharpen. */
  readonly sharpenedL1: number | null;
  /** Classification only: 1 - accuracy, so sharpenedL1 -> 2 * misclassified. */
  readonly misclassified: number | null;
  readonly evalPoints: number;
}

/**
 * Errors of the evaluated network on the task's own training points, with the same measure as
 * {@link EvalMetrics} (classification: the unit-scale softmax L1, as l1Error). Beside the
 * evaluation errors they give the estimation gap: a fit that interpolates its training set has
 * small training errors and large evaluation errors.
 */
export interface TrainSetMetrics {
  /** Mean |g - f| over the training points (an unweighted mean: they are uniform in the cube). */
  readonly l1Error: number;
  /** Root mean squared error there; null where the target is not in L2, as in EvalMetrics. */
  readonly l2Error: number | null;
  /** Largest pointwise error at a training point. */
  readonly maxError: number;
  /** The number of training points. */
  readonly points: number;
}

/** How training went, whatever the outcome. */
export interface TrainStats {
  /** Loss on the training set at the last step recorded. */
  readonly trainLoss: number;
  readonly steps: number;
  /** At most 200 [step, loss] pairs, evenly spaced, always including the first and last step. */
  readonly lossCurve: ReadonlyArray<readonly [number, number]>;
  readonly trainMs: number;
  /** The backend that trained the network (`fused`, `wasm`, `cpu`, `tfjs-node`, `tfjs-node-gpu`). */
  readonly backend: string;
  /**
   * The optimizer that trained it (`auto` resolved: adam, sgd, lsgd, lbfgs); absent from
   * workers that predate it.
   */
  readonly optimizer?: string;
  /** Library versions that trained it, e.g. { "@tensorflow/tfjs-core": "4.22.0", node: "20.20.2" }. */
  readonly versions: Readonly<Record<string, string>>;
}

/** What a runner hands back for one task. Failures travel as thrown errors, not as outcomes. */
export type TaskOutcome =
  | {
      readonly type: 'done';
      readonly taskId: string;
      readonly train: TrainStats;
      readonly metrics: EvalMetrics;
      /** The evaluated network's errors on its training points (absent from older workers). */
      readonly trainMetrics?: TrainSetMetrics;
      readonly wallMs: number;
      /** Reference approximants of the same width (absent from workers that predate them). */
      readonly references?: readonly ReferenceResult[];
      /** The trained network on a plot grid (d = 1, 2); null in higher dimensions. */
      readonly predictions?: GridPredictions | null;
    }
  | {
      readonly type: 'diverged';
      readonly taskId: string;
      readonly train: TrainStats;
      /** Why training was stopped (NaN loss, exploding loss), with the step. */
      readonly reason: string;
      readonly wallMs: number;
    };
