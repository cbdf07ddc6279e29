import type { NetworkWeights } from '../../shared/network.js';
import type { LossName } from '../../shared/targets/target.js';
import type { TrainingData } from '../../shared/training-data.js';
import type { NormalEquations } from './lsgd.js';

/**
 * One network and its training data on one backend: everything an optimizer (methods.ts) needs,
 * and nothing about how it is computed. Implemented by FusedNet (worker/fused/fused-net.ts, the
 * WebAssembly SIMD kernel) and TfNet (worker/train/tf-net.ts, any tfjs backend). The parameter
 * vector has one layout on every backend: w1 (m x d) | b1 (m) | w2 transposed (m x k) | b2 (k),
 * so the hidden layer is its first `hiddenCount` entries. FusedNet's extra public methods
 * (paramView, gradView, ...) are fused-only; a method written against this interface runs
 * everywhere.
 */
export interface TrainingKernel {
  readonly dim: number;
  readonly width: number;
  readonly outputs: number;
  readonly paramCount: number;
  /** The hidden layer's share of the parameter vector (w1 and b1), which comes first. */
  readonly hiddenCount: number;
  /**
   * Mean loss over the full data set (`source` 'data') or the current minibatch ('batch'); with
   * `withGradient` the gradient is kept for adam, sgd and readGradient.
   */
  lossGradient(loss: LossName, withGradient: boolean, source?: 'data' | 'batch'): number;
  /** Makes the samples `indices` of the full data set the current minibatch. */
  loadBatch(indices: Int32Array): void;
  /** Adam update number `t` (1-based) on the first `count` parameters with the kept gradient. */
  adam(lr: number, t: number, count?: number): void;
  /** SGD with heavy-ball momentum `mu` on the first `count` parameters. */
  sgd(lr: number, mu: number, count?: number): void;
  /** A copy of the parameter vector. */
  readParams(): Float32Array;
  /** Replaces the parameter vector (rounded to float32). */
  writeParams(values: ArrayLike<number>): void;
  /** Copies the gradient of the last lossGradient call with a gradient into `out`. */
  readGradient(out: Float64Array): void;
  /**
   * The normal equations of the output layer for the current hidden layer over the full data
   * set, accumulated in float64 (may be views, valid until the next call).
   */
  normalEquations(): NormalEquations;
  /** Replaces the output layer by its ridge least-squares fit (policy: lsgd.ts). */
  solveOutputLayer(ridge: number): void;
  /** Sets the output layer from a least-squares solution ((m+1) x k: weights, then biases). */
  setOutputLayer(solution: Float64Array): void;
  /** Network outputs (logits for softmax nets) at the n points `x` (row-major n x dim). */
  predict(x: Float32Array, n: number): Float32Array;
  /** The current weights (fresh arrays). */
  weights(): NetworkWeights;
  /** Replaces every weight (a warm start); the shape must match. */
  setWeights(net: NetworkWeights): void;
  /** Zeroes the Adam / momentum state: a restart from new weights must not inherit it. */
  resetMoments(): void;
  /** Frees what the kernel holds on its backend; the kernel is unusable afterwards. */
  dispose(): void;
}

/** Builds a backend's kernel for one training run; `batch` > 0 allocates minibatch buffers. */
export type KernelFactory = (
  data: TrainingData,
  init: NetworkWeights,
  batch: number,
) => TrainingKernel;
