/**
 * Order statistics and a log-log line fit: the arithmetic the convergence analysis, the width
 * search, the dashboard and the benchmarks all rest on (one median, one quantile, one line fit).
 */

/**
 * The q-quantile of `values` by linear interpolation between order statistics (Hyndman & Fan
 * type 7, the default of R and numpy), so q = 0.5 is the usual median. NaN for no values.
 */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const lo = Math.floor(position);
  const hi = Math.ceil(position);
  const a = sorted[lo] ?? Number.NaN;
  const b = sorted[hi] ?? Number.NaN;
  return a + (b - a) * (position - lo);
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** A least-squares line y = intercept + slope x. */
export interface LineFit {
  readonly slope: number;
  readonly intercept: number;
}

/**
 * Ordinary least squares of y on x. Needs at least two distinct x values; NaN slope otherwise,
 * so that callers cannot mistake an undetermined fit for a flat one.
 */
export function fitLine(x: readonly number[], y: readonly number[]): LineFit {
  const n = Math.min(x.length, y.length);
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    sx += x[i] ?? 0;
    sy += y[i] ?? 0;
  }
  const mx = sx / n;
  const my = sy / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (x[i] ?? 0) - mx;
    sxx += dx * dx;
    sxy += dx * ((y[i] ?? 0) - my);
  }
  const slope = n >= 2 && sxx > 0 ? sxy / sxx : Number.NaN;
  return { slope, intercept: my - slope * mx };
}

/**
 * The fit of log(error) against log(width): the slope is the empirical rate, error ~ C m^slope,
 * with C = exp(intercept). Non-positive errors have no logarithm and make the fit NaN.
 */
export function fitLogLog(widths: readonly number[], errors: readonly number[]): LineFit {
  return fitLine(
    widths.map((w) => Math.log(w)),
    errors.map((e) => (e > 0 ? Math.log(e) : Number.NaN)),
  );
}

/** The fitted error at `width`: C m^slope. */
export function predictLogLog(fit: LineFit, width: number): number {
  return Math.exp(fit.intercept + fit.slope * Math.log(width));
}
