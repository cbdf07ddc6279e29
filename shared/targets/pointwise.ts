import type { ClassificationTarget, RegressionTarget } from './target.js';

function checkPoints(x: Float64Array, n: number, dim: number): void {
  if (!Number.isInteger(n) || n < 0 || x.length < n * dim) {
    throw new RangeError(`expected ${n} points of dimension ${dim}, got ${x.length} coordinates`);
  }
}

/**
 * A regression target from its value at one point (the point starts at x[offset]); `extras` are
 * the optional facts some targets have (an importance density, not being in L2, a ridge
 * direction, an exact network).
 */
export function pointwiseRegression(
  name: string,
  dim: number,
  value: (x: Float64Array, offset: number) => number,
  extras: Pick<RegressionTarget, 'importance' | 'inL2' | 'ridgeDirection' | 'exactNetwork'> = {},
): RegressionTarget {
  return {
    kind: 'regression',
    name,
    dim,
    outputs: 1,
    values(x, n) {
      checkPoints(x, n, dim);
      const out = new Float64Array(n);
      for (let p = 0; p < n; p++) out[p] = value(x, p * dim);
      return out;
    },
    ...extras,
  };
}

/** A classification target with `classes` classes from the class of one point. */
export function pointwiseClassification(
  name: string,
  dim: number,
  classes: number,
  label: (x: Float64Array, offset: number) => number,
): ClassificationTarget {
  return {
    kind: 'classification',
    name,
    dim,
    outputs: classes,
    labels(x, n) {
      checkPoints(x, n, dim);
      const out = new Int32Array(n);
      for (let p = 0; p < n; p++) out[p] = label(x, p * dim);
      return out;
    },
  };
}
