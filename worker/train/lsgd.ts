import { choleskyFactor, choleskySolveFactored } from '../../shared/reference/cholesky.js';

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

/**
 * The normal equations from hidden activations `h` (n x m row-major, float32 as a backend
 * computed them) and targets `y` (n x k), accumulated in float64 with the constant feature last.
 * Row by row over the units a sample activates: ReLU zeros cost nothing. The full symmetric
 * matrix is written.
 */
export function accumulateNormalEquations(
  h: Float32Array,
  y: Float32Array,
  n: number,
  m: number,
  k: number,
): NormalEquations {
  const size = m + 1;
  const a = new Float64Array(size * size);
  const rhs = new Float64Array(size * k);
  const active = new Int32Array(size);
  const values = new Float64Array(size);
  for (let s = 0; s < n; s++) {
    let count = 0;
    for (let j = 0; j < m; j++) {
      const v = h[s * m + j] ?? 0;
      if (v !== 0) {
        active[count] = j;
        values[count++] = v;
      }
    }
    active[count] = m;
    values[count++] = 1;
    for (let p = 0; p < count; p++) {
      const i = active[p] ?? 0;
      const vi = values[p] ?? 0;
      const row = i * size;
      for (let q = p; q < count; q++) a[row + (active[q] ?? 0)]! += vi * (values[q] ?? 0);
      for (let c = 0; c < k; c++) rhs[i * k + c]! += vi * (y[s * k + c] ?? 0);
    }
  }
  // Mirror the upper triangle accumulated above.
  for (let i = 0; i < size; i++) {
    for (let j = i + 1; j < size; j++) a[j * size + i] = a[i * size + j] ?? 0;
  }
  return { a, rhs, m, k, n };
}

/** A RidgeSolver in plain float64 JavaScript (shared/reference/cholesky.ts) for `eq`. */
export function float64RidgeSolver(eq: NormalEquations): RidgeSolver {
  const size = eq.m + 1;
  const factor = new Float64Array(size * size);
  return {
    factor(shift) {
      factor.set(eq.a.subarray(0, size * size));
      for (let j = 0; j < eq.m; j++) factor[j * size + j]! += shift;
      try {
        choleskyFactor(factor, size);
        return true;
      } catch (err) {
        if (err instanceof RangeError) return false;
        throw err;
      }
    },
    solve() {
      const x = Float64Array.from(eq.rhs);
      choleskySolveFactored(factor, size, x, eq.k);
      return x;
    },
  };
}
