/**
 * The weights of a one-hidden-layer network g(x) = W2 relu(W1 x + b1) + b2, as plain arrays so
 * that every backend hands back the same thing and evaluation never depends on a backend.
 * Layout is row-major: w1[j*dim + i] is hidden unit j's weight on input i, w2[k*width + j] is
 * output k's weight on hidden unit j.
 */
export interface NetworkWeights {
  readonly dim: number;
  readonly width: number;
  readonly outputs: number;
  /** linear for regression, softmax for classification. */
  readonly output: 'linear' | 'softmax';
  readonly w1: Float32Array;
  readonly b1: Float32Array;
  readonly w2: Float32Array;
  readonly b2: Float32Array;
}
