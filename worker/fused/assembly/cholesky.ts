// Dense symmetric positive-definite solves in float64 for the least-squares output layer: the
// Cholesky factor row by row (Cholesky-Banachiewicz), so that every inner product runs over two
// contiguous rows and vectorises as f64x2.

function f64At(base: usize, index: i32): usize {
  return base + ((<usize>index) << 3);
}

/** sum_{p < count} a[p] b[p] over two contiguous float64 rows. */
function dot(a: usize, b: usize, count: i32): f64 {
  let acc = f64x2.splat(0);
  let p = 0;
  for (; p + 2 <= count; p += 2) {
    acc = f64x2.add(acc, f64x2.mul(v128.load(f64At(a, p)), v128.load(f64At(b, p))));
  }
  let sum = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  if (p < count) sum += load<f64>(f64At(a, p)) * load<f64>(f64At(b, p));
  return sum;
}

/**
 * Writes into `l` (size x size, row-major) the lower Cholesky factor of S = A + shift I_r, where
 * A is read from the upper triangle (column >= row) of `a` and I_r is the identity on the first
 * `ridgeRows` diagonal entries. Returns 1 on success, 0 when a pivot is not positive (S is not
 * numerically positive definite; the caller retries with a larger shift).
 */
export function ridgeCholesky(a: usize, l: usize, size: i32, ridgeRows: i32, shift: f64): i32 {
  for (let i = 0; i < size; i++) {
    const rowI = f64At(l, i * size);
    for (let j = 0; j <= i; j++) {
      const rowJ = f64At(l, j * size);
      let value = load<f64>(f64At(a, j * size + i)) - dot(rowI, rowJ, j);
      if (j == i) {
        if (i < ridgeRows) value += shift;
        if (!(value > 0)) return 0;
        store<f64>(f64At(rowI, i), Math.sqrt(value));
      } else {
        store<f64>(f64At(rowI, j), value / load<f64>(f64At(rowJ, j)));
      }
    }
  }
  return 1;
}

/**
 * Solves L L^T X = B for the k columns of B (size x k, row-major) into `x` (same shape), with L
 * from ridgeCholesky; `column` is scratch for `size` doubles.
 */
export function choleskySolve(
  l: usize,
  size: i32,
  b: usize,
  k: i32,
  x: usize,
  column: usize,
): void {
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < size; i++) {
      const rowI = f64At(l, i * size);
      const value = load<f64>(f64At(b, i * k + c)) - dot(rowI, column, i);
      store<f64>(f64At(column, i), value / load<f64>(f64At(rowI, i)));
    }
    for (let i = size - 1; i >= 0; i--) {
      let value = load<f64>(f64At(column, i));
      for (let p = i + 1; p < size; p++) {
        value -= load<f64>(f64At(l, p * size + i)) * load<f64>(f64At(column, p));
      }
      store<f64>(f64At(column, i), value / load<f64>(f64At(l, i * size + i)));
    }
    for (let i = 0; i < size; i++) store<f64>(f64At(x, i * k + c), load<f64>(f64At(column, i)));
  }
}
