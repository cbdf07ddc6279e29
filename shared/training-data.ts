import { deriveSeed, Rng } from './random.js';
import type { Target } from './targets/target.js';

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
