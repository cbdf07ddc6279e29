import { ValidationError } from '../errors.js';
import type { NetworkWeights } from '../network.js';
import type { TrainingData } from '../training-data.js';
import { choleskySolve } from './cholesky.js';

export interface RandomFeatureOptions {
  /**
   * Ridge penalty relative to the mean diagonal of H^T H (H: the hidden activations plus a
   * constant column, one row per training point). Small enough not to bias a well-posed fit,
   * large enough to keep the normal equations positive definite when units are dead or
   * duplicated, and to keep the output weights from cancelling at magnitudes that float32
   * storage would spoil. @default 1e-8
   */
  ridge?: number;
  /**
   * Skip the fit (return null) when its cost, min(n, p)^2 * max(n, p) multiply-adds with
   * p = width + 1 and n training points, exceeds this. Unit: multiply-adds. @default 1e10
   * (width 1024 with 1024 points is 1.1e9, about 1 s; width 4096 with 1024 points is 4.3e9,
   * a few seconds, against the ~1e11 multiply-adds of 2000 full-batch training steps).
   */
  maxCost?: number;
}

export interface ResolvedRandomFeatureOptions {
  readonly ridge: number;
  readonly maxCost: number;
}

export function resolveRandomFeatureOptions(
  options: RandomFeatureOptions = {},
): ResolvedRandomFeatureOptions {
  const ridge = options.ridge ?? 1e-8;
  if (!(ridge > 0 && Number.isFinite(ridge))) {
    throw new ValidationError('ridge', `expected a positive number, got ${ridge}`);
  }
  const maxCost = options.maxCost ?? 1e10;
  if (!(maxCost > 0)) {
    throw new ValidationError('maxCost', `expected a positive number, got ${maxCost}`);
  }
  return { ridge, maxCost };
}

export interface RandomFeatureFit {
  /** The network: `init`'s hidden layer, the least-squares output layer (stored as float32). */
  readonly net: NetworkWeights;
  /** Root mean squared residual on the training data, before float32 rounding. */
  readonly trainRmse: number;
  /** The absolute ridge penalty used. */
  readonly lambda: number;
  /** Whether the n x n (dual) system was solved instead of the p x p (primal) one. */
  readonly dual: boolean;
}

/** Multiply-adds of a fit with n points and width m, as compared with `maxCost`. */
export function randomFeatureCost(n: number, width: number): number {
  const p = width + 1;
  return Math.min(n, p) ** 2 * Math.max(n, p);
}

/** Hidden activations relu(W1 x + b1) and a trailing 1, as an n x (width + 1) float64 matrix. */
function features(init: NetworkWeights, data: TrainingData): Float64Array {
  const { dim, width } = init;
  const p = width + 1;
  const h = new Float64Array(data.n * p);
  for (let s = 0; s < data.n; s++) {
    const row = s * p;
    for (let j = 0; j < width; j++) {
      let pre = init.b1[j] ?? 0;
      for (let i = 0; i < dim; i++) pre += (init.w1[j * dim + i] ?? 0) * (data.x[s * dim + i] ?? 0);
      h[row + j] = pre > 0 ? pre : 0;
    }
    h[row + width] = 1;
  }
  return h;
}

/**
 * The random-feature reference: keeps `init`'s hidden layer (the same draw training starts from)
 * and solves the output layer by ridge-regularised least squares on the training data, in
 * float64. It separates what a width-m network with these kinks can represent from what training
 * reached. With p = width + 1 unknowns per output and n points it solves the p x p normal
 * equations (H^T H + lambda I) W = H^T Y when p <= n, else the n x n dual system
 * (H H^T + lambda I) A = Y with W = H^T A (the same minimiser, cheaper when p > n).
 * Returns null when the cost exceeds options.maxCost.
 */
export function fitRandomFeatures(
  init: NetworkWeights,
  data: TrainingData,
  options: RandomFeatureOptions = {},
): RandomFeatureFit | null {
  const { ridge, maxCost } = resolveRandomFeatureOptions(options);
  if (init.dim !== data.dim || init.outputs !== data.outputs) {
    throw new RangeError(
      `fitRandomFeatures: network (dim ${init.dim}, ${init.outputs} outputs) does not match data (dim ${data.dim}, ${data.outputs} outputs)`,
    );
  }
  const n = data.n;
  const k = data.outputs;
  const p = init.width + 1;
  if (randomFeatureCost(n, init.width) > maxCost) return null;
  const h = features(init, data);
  const y = Float64Array.from(data.y);
  let meanDiagonal = 0;
  for (const v of h) meanDiagonal += v * v;
  meanDiagonal /= p;
  // The constant column alone makes meanDiagonal >= n / p > 0, even when every unit is dead.
  const lambda = ridge * meanDiagonal;
  const dual = p > n;
  const weights = dual ? solveDual(h, y, n, p, k, lambda) : solvePrimal(h, y, n, p, k, lambda);

  let squared = 0;
  for (let s = 0; s < n; s++) {
    for (let c = 0; c < k; c++) {
      let g = 0;
      for (let j = 0; j < p; j++) g += (h[s * p + j] ?? 0) * (weights[j * k + c] ?? 0);
      squared += (g - (y[s * k + c] ?? 0)) ** 2;
    }
  }
  const w2 = new Float32Array(k * init.width);
  const b2 = new Float32Array(k);
  for (let c = 0; c < k; c++) {
    for (let j = 0; j < init.width; j++) w2[c * init.width + j] = weights[j * k + c] ?? 0;
    b2[c] = weights[init.width * k + c] ?? 0;
  }
  return {
    net: { ...init, w1: init.w1, b1: init.b1, w2, b2 },
    trainRmse: Math.sqrt(squared / (n * k)),
    lambda,
    dual,
  };
}

/** (H^T H + lambda I) W = H^T Y, accumulated row by row and skipping the zeros ReLU makes. */
function solvePrimal(
  h: Float64Array,
  y: Float64Array,
  n: number,
  p: number,
  k: number,
  lambda: number,
): Float64Array {
  const gram = new Float64Array(p * p);
  const rhs = new Float64Array(p * k);
  const active = new Int32Array(p);
  for (let s = 0; s < n; s++) {
    const row = s * p;
    let count = 0;
    for (let j = 0; j < p; j++) if ((h[row + j] ?? 0) !== 0) active[count++] = j;
    for (let a = 0; a < count; a++) {
      const i = active[a] ?? 0;
      const hi = h[row + i] ?? 0;
      const gramRow = i * p;
      for (let b = 0; b <= a; b++) {
        const j = active[b] ?? 0;
        gram[gramRow + j] = (gram[gramRow + j] ?? 0) + hi * (h[row + j] ?? 0);
      }
      for (let c = 0; c < k; c++) rhs[i * k + c] = (rhs[i * k + c] ?? 0) + hi * (y[s * k + c] ?? 0);
    }
  }
  for (let i = 0; i < p; i++) gram[i * p + i] = (gram[i * p + i] ?? 0) + lambda;
  choleskySolve(gram, p, rhs, k);
  return rhs;
}

/** (H H^T + lambda I) A = Y, then W = H^T A: for more units than training points. */
function solveDual(
  h: Float64Array,
  y: Float64Array,
  n: number,
  p: number,
  k: number,
  lambda: number,
): Float64Array {
  const kernel = new Float64Array(n * n);
  for (let s = 0; s < n; s++) {
    const rowS = s * p;
    for (let t = 0; t <= s; t++) {
      const rowT = t * p;
      let dot = 0;
      for (let j = 0; j < p; j++) dot += (h[rowS + j] ?? 0) * (h[rowT + j] ?? 0);
      kernel[s * n + t] = dot;
    }
    kernel[s * n + s] = (kernel[s * n + s] ?? 0) + lambda;
  }
  const alpha = Float64Array.from(y);
  choleskySolve(kernel, n, alpha, k);
  const weights = new Float64Array(p * k);
  for (let s = 0; s < n; s++) {
    for (let j = 0; j < p; j++) {
      const hj = h[s * p + j] ?? 0;
      if (hj === 0) continue;
      for (let c = 0; c < k; c++) {
        weights[j * k + c] = (weights[j * k + c] ?? 0) + hj * (alpha[s * k + c] ?? 0);
      }
    }
  }
  return weights;
}
