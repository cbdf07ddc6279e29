import type { NetworkWeights } from './network.js';
import type { TrainingData } from './training-data.js';

/** The construction's eps when `train.eps` is not given. */
export const DEFAULT_CONSTRUCTION_EPS = 0.01;

/**
 * The logit scale of the paper's softmax construction for K classes: logits
 * f'_i = (2K/eps)(f_i - 1/2). Where every |g_i - f_i| < 1/4 the true class leads by at least
 * K/eps, so its softmax L1 error 2 sum_{i != c} p_i is at most 2(K-1) e^(-K/eps) <= 2(K-1) eps / K
 * < 2 eps (the paper's exp(-x) <= 1/x step); the rest of the error is the volume where the
 * regression nets are off by 1/4 or more.
 */
export function constructionScale(classes: number, eps: number): number {
  if (!Number.isInteger(classes) || classes < 2) {
    throw new RangeError(`constructionScale: expected at least 2 classes, got ${classes}`);
  }
  if (!(eps > 0 && eps < 1)) {
    throw new RangeError(`constructionScale: expected eps in (0, 1), got ${eps}`);
  }
  return (2 * classes) / eps;
}

/**
 * Regression targets for the construction: one-hot labels shifted to f_i - 1/2. The nets are
 * trained with MSE on these and their output layer is then multiplied by the scale
 * ({@link constructionNetwork}). Because the output layer is linear, that scaled net minimises
 * the MSE against (2K/eps)(f_i - 1/2) exactly when the unscaled one minimises it against
 * f_i - 1/2 (the loss differs by the constant factor scale^2); training on the unscaled targets
 * spares the optimizer from growing output weights of size 2K/eps from an O(1) start.
 */
export function constructionTrainingData(data: TrainingData): TrainingData {
  const y = new Float32Array(data.y.length);
  for (let i = 0; i < y.length; i++) y[i] = (data.y[i] ?? 0) - 0.5;
  return { ...data, y };
}

/** The softmax network of the construction, from the regression net trained on f_i - 1/2. */
export function constructionNetwork(trained: NetworkWeights, eps: number): NetworkWeights {
  const scale = constructionScale(trained.outputs, eps);
  const w2 = new Float32Array(trained.w2.length);
  for (let i = 0; i < w2.length; i++) w2[i] = (trained.w2[i] ?? 0) * scale;
  const b2 = new Float32Array(trained.b2.length);
  for (let i = 0; i < b2.length; i++) b2[i] = (trained.b2[i] ?? 0) * scale;
  return { ...trained, output: 'softmax', w2, b2 };
}
