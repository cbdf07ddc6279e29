/**
 * The least-squares half of LS/GD training (Cyr et al. 2020, "Robust training and initialization
 * of deep neural networks: an adaptive basis viewpoint"): with the hidden layer fixed, the
 * network is linear in its output layer, so the best output layer for the mse loss solves a
 * ridge-regularised linear least-squares problem exactly. Alternating that solve with gradient
 * steps on the hidden layer (the gradient of the reduced loss, since the output-layer gradient
 * vanishes at the solution) moves the basis functions instead of fitting coefficients slowly.
 */

/** Relative ridge: lambda = RIDGE x the mean squared feature value. */
export const DEFAULT_RIDGE = 1e-10;

/** A ridge this many times larger is tried when the Cholesky factorisation breaks down. */
const RIDGE_GROWTH = 100;
const MAX_RIDGE_TRIES = 8;

export interface NormalEquations {
  /** sum phi phi^T over the samples, (m+1) x (m+1) row-major; only column >= row is read. */
  readonly a: Float64Array;
  /** sum phi y^T, (m+1) x k row-major. */
  readonly rhs: Float64Array;
  /** Features: m hidden units plus the constant 1 (last). */
  readonly m: number;
  /** Outputs. */
  readonly k: number;
  /** Samples summed. */
  readonly n: number;
}

/** A dense solver for the normal equations (the fused kernel's float64 Cholesky). */
export interface RidgeSolver {
  /**
   * Factorises A + shift I_m (the shift on the m weight rows, not on the bias); false when the
   * matrix is not numerically positive definite.
   */
  factor(shift: number): boolean;
  /** The solution for the last successful factorisation, (m+1) x k row-major. */
  solve(): Float64Array;
}

/**
 * The output layer c ((m+1) x k row-major: row j < m holds unit j's weights into the k outputs,
 * row m the output biases) minimising (1/n) sum |c^T phi - y|^2 + lambda |W2|^2 with lambda =
 * ridge x mean_j (A_jj / n), i.e. relative to the mean squared feature; the bias is not
 * penalised. When the matrix does not factorise the ridge grows a hundredfold at a time.
 */
export function solveOutputLayer(
  eq: NormalEquations,
  solver: RidgeSolver,
  ridge = DEFAULT_RIDGE,
): Float64Array {
  const { a, m, n } = eq;
  const size = m + 1;
  let meanSquare = 0;
  for (let j = 0; j < m; j++) meanSquare += a[j * size + j] ?? 0;
  meanSquare = m > 0 ? meanSquare / (m * n) : 0;
  // A dead net (all features zero) still needs a positive diagonal to factorise.
  let lambda = Math.max(ridge, Number.MIN_VALUE) * (meanSquare > 0 ? meanSquare : 1);
  for (let attempt = 0; attempt < MAX_RIDGE_TRIES; attempt++) {
    if (solver.factor(n * lambda)) return solver.solve();
    lambda *= RIDGE_GROWTH;
  }
  throw new RangeError('least-squares output layer: the normal equations do not factorise');
}
