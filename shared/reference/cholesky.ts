/**
 * Dense symmetric positive definite solves in float64, sized for the normal equations of a
 * least-squares output layer (a few thousand unknowns at most). No library: the references are
 * computed inside worker threads, where a native BLAS is not available.
 */

/**
 * Factors the n x n SPD matrix `a` (row-major, only the lower triangle is read) in place into its
 * Cholesky factor L (lower triangle, a = L L^T). Throws RangeError when a pivot is not positive,
 * i.e. the matrix is not positive definite to working precision; callers add a ridge to prevent it.
 */
export function choleskyFactor(a: Float64Array, n: number): void {
  if (!Number.isInteger(n) || n < 1 || a.length < n * n) {
    throw new RangeError(`choleskyFactor: expected an ${n} x ${n} matrix, got ${a.length} entries`);
  }
  for (let j = 0; j < n; j++) {
    const rowJ = j * n;
    let pivot = a[rowJ + j] ?? 0;
    for (let k = 0; k < j; k++) {
      const l = a[rowJ + k] ?? 0;
      pivot -= l * l;
    }
    if (!(pivot > 0) || !Number.isFinite(pivot)) {
      throw new RangeError(
        `choleskyFactor: matrix is not positive definite (pivot ${j} = ${pivot})`,
      );
    }
    const diagonal = Math.sqrt(pivot);
    a[rowJ + j] = diagonal;
    // Row-oriented update: rows i > j read row j's finished prefix, both contiguous in memory.
    for (let i = j + 1; i < n; i++) {
      const rowI = i * n;
      let sum = a[rowI + j] ?? 0;
      for (let k = 0; k < j; k++) sum -= (a[rowI + k] ?? 0) * (a[rowJ + k] ?? 0);
      a[rowI + j] = sum / diagonal;
    }
  }
}

/**
 * Solves L L^T X = B for the factor from {@link choleskyFactor}; `b` is n x k row-major and is
 * overwritten with X.
 */
export function choleskySolveFactored(
  l: Float64Array,
  n: number,
  b: Float64Array,
  k: number,
): void {
  if (b.length < n * k) {
    throw new RangeError(`choleskySolve: expected ${n} x ${k} right-hand sides, got ${b.length}`);
  }
  // Forward: L Y = B.
  for (let i = 0; i < n; i++) {
    const rowI = i * n;
    for (let c = 0; c < k; c++) {
      let sum = b[i * k + c] ?? 0;
      for (let j = 0; j < i; j++) sum -= (l[rowI + j] ?? 0) * (b[j * k + c] ?? 0);
      b[i * k + c] = sum / (l[rowI + i] ?? 1);
    }
  }
  // Backward: L^T X = Y.
  for (let i = n - 1; i >= 0; i--) {
    for (let c = 0; c < k; c++) {
      let sum = b[i * k + c] ?? 0;
      for (let j = i + 1; j < n; j++) sum -= (l[j * n + i] ?? 0) * (b[j * k + c] ?? 0);
      b[i * k + c] = sum / (l[i * n + i] ?? 1);
    }
  }
}

/** Solves A X = B for SPD `a` (n x n, destroyed) and `b` (n x k, overwritten with X). */
export function choleskySolve(a: Float64Array, n: number, b: Float64Array, k: number): void {
  choleskyFactor(a, n);
  choleskySolveFactored(a, n, b, k);
}
