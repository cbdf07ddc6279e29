import { deriveSeed, Rng } from './random.js';
import type { Target } from './targets/target.js';

/**
 * Training points per network parameter for `train.samples: auto`. A least-squares fit with P
 * free parameters on n points has an expected test/train mean-square ratio of about
 * (1 + P/n) / (1 - P/n) (noise-like residual), so n = 4P keeps the evaluation L2 within
 * sqrt(5/3) = 1.29x of the training RMSE, inside the 1.5x the estimation gap may cost; README
 * "Training" has the measured ratios. This is the 1-D rule; d >= 2 has its own below.
 */
export const AUTO_SAMPLES_PER_PARAMETER = 4;
/**
 * Training points per parameter in d >= 2. With lbfgs keeping 100 curvature pairs there
 * (worker/train/methods.ts) training fits 4 P points so much closer that the gap came back: on
 * bump, d = 4, width 256 (seed 0) evaluation L2 / training RMSE was 1.45, at the 1.5x limit; 8 P
 * points brought it to 1.24 and the L1 from 9.3e-3 to 8.2e-3 (width 128: 1.44e-2 -> 1.29e-2 with
 * both changes). Twice the points cost twice the time per step.
 */
export const AUTO_SAMPLES_PER_PARAMETER_MULTI_DIM = 8;
/** Fewest points `auto` gives: the old fixed default, cheap next to the step count. */
export const AUTO_MIN_SAMPLES = 1024;
/** Most points `auto` gives (d = 16 at width 4096 would ask for 295k): 2^18. */
export const AUTO_MAX_SAMPLES = 262144;
/**
 * Fewest training points per hidden unit `auto` gives a 1-D single-output (regression) net.
 * There 4 P points are enough for smooth targets (1-D sine is within 1.1x of the free-knot
 * reference with them), but the L1 error next to a singularity is set by the gap between the
 * training points closest to it, which shrinks only like n^-1/2 (`singular`, alpha 0.5: 0.089,
 * 0.049, 0.037 at width 64 with 1024, 2048, 4096 points): with n fixed over widths 8-64 the curve
 * went flat there. Growing n with m keeps it a width curve; in 1-D a point costs O(m) per step.
 */
export const AUTO_SAMPLES_PER_UNIT_1D = 32;
/**
 * The per-unit rule gives at most this many points (reached at width 256): beyond, lbfgs's
 * least-squares output solves in 1-D (n m^2 each) dominate the cost: 32768 points at width
 * 1024 took 95 s to train on the loaded 2-core machine.
 */
export const AUTO_MAX_SAMPLES_PER_UNIT_1D = 8192;
/** `auto` counts are multiples of this, so neighbouring widths share round numbers. */
const AUTO_QUANTUM = 1024;

/** Training points per parameter that `train.samples: auto` gives a net on [0,1]^dim. */
export function autoSamplesPerParameter(dim: number): number {
  return dim >= 2 ? AUTO_SAMPLES_PER_PARAMETER_MULTI_DIM : AUTO_SAMPLES_PER_PARAMETER;
}

/** Parameters of a one-hidden-layer net: m (d + 1) hidden, k (m + 1) output. */
export function parameterCount(dim: number, width: number, outputs: number): number {
  return width * (dim + 1) + outputs * (width + 1);
}

/**
 * The training-set size `train.samples: auto` resolves to for a net of this shape:
 * {@link autoSamplesPerParameter} x parameters (in 1-D with one output at least
 * AUTO_SAMPLES_PER_UNIT_1D x width, up to AUTO_MAX_SAMPLES_PER_UNIT_1D), rounded up to a multiple
 * of 1024, within [AUTO_MIN_SAMPLES, AUTO_MAX_SAMPLES], and at least `batch` so a minibatch recipe
 * stays valid.
 */
export function autoSampleCount(dim: number, width: number, outputs: number, batch = 0): number {
  const perUnit =
    dim === 1 && outputs === 1
      ? Math.min(AUTO_SAMPLES_PER_UNIT_1D * width, AUTO_MAX_SAMPLES_PER_UNIT_1D)
      : 0;
  const wanted = Math.max(
    autoSamplesPerParameter(dim) * parameterCount(dim, width, outputs),
    perUnit,
  );
  const rounded = Math.ceil(wanted / AUTO_QUANTUM) * AUTO_QUANTUM;
  return Math.max(batch, Math.min(AUTO_MAX_SAMPLES, Math.max(AUTO_MIN_SAMPLES, rounded)));
}

/** A training set in the layout backends upload: float32, row-major. */
export interface TrainingData {
  readonly n: number;
  readonly dim: number;
  readonly outputs: number;
  /** n x dim points. */
  readonly x: Float32Array;
  /** n x outputs: target values (regression) or one-hot labels (classification). */
  readonly y: Float32Array;
}

/**
 * n points uniform on [0,1]^dim from the seed's 'train-data' stream (evaluation uses the 'eval'
 * streams, so training and evaluation points never coincide by construction), labelled by the
 * target. Targets are computed at the float32-rounded points, so labels match the stored inputs
 * exactly, even next to a class boundary.
 */
export function sampleTrainingData(target: Target, n: number, seed: number): TrainingData {
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`sampleTrainingData: n must be a positive integer, got ${n}`);
  }
  const { dim, outputs } = target;
  const rng = new Rng(deriveSeed(seed, 'train-data'));
  const x = new Float32Array(n * dim);
  for (let i = 0; i < x.length; i++) x[i] = rng.next();
  const points = Float64Array.from(x);
  const y = new Float32Array(n * outputs);
  if (target.kind === 'regression') {
    y.set(target.values(points, n));
  } else {
    const labels = target.labels(points, n);
    for (let p = 0; p < n; p++) y[p * outputs + (labels[p] ?? 0)] = 1;
  }
  return { n, dim, outputs, x, y };
}
