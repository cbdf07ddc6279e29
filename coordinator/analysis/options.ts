import { ValidationError } from '../../shared/errors.js';

export interface AnalysisOptions {
  /** Error levels for the eps-widths, each in (0, 1). @default [1e-2, 1e-3] */
  eps?: readonly number[];
  /**
   * A tail of the curve counts as flat when its log-log slope is above -flatSlope (0.1: doubling
   * the width buys less than 7%). Unit: slope magnitude. @default 0.1
   */
  flatSlope?: number;
  /** Bootstrap resamples for the slope interval. @default 2000 */
  resamples?: number;
  /** Confidence level of the slope interval, in (0, 1). @default 0.95 */
  level?: number;
  /** Seeds the bootstrap, so repeated analyses print the same intervals. @default 0 */
  seed?: number;
}

export interface ResolvedAnalysisOptions {
  readonly eps: readonly number[];
  readonly flatSlope: number;
  readonly resamples: number;
  readonly level: number;
  readonly seed: number;
}

export const DEFAULT_EPS: readonly number[] = [1e-2, 1e-3];

function inOpenUnit(field: string, value: number): void {
  if (!(typeof value === 'number' && value > 0 && value < 1)) {
    throw new ValidationError(field, `expected a number in (0, 1), got ${String(value)}`);
  }
}

/** Fills defaults and checks ranges; errors name the option (`eps[1]`, `level`). */
export function resolveAnalysisOptions(options: AnalysisOptions = {}): ResolvedAnalysisOptions {
  const eps = options.eps ?? DEFAULT_EPS;
  if (eps.length === 0) throw new ValidationError('eps', 'expected at least one value');
  eps.forEach((value, i) => inOpenUnit(`eps[${i}]`, value));
  const flatSlope = options.flatSlope ?? 0.1;
  if (!(flatSlope > 0 && Number.isFinite(flatSlope))) {
    throw new ValidationError('flatSlope', `expected a positive number, got ${flatSlope}`);
  }
  const resamples = options.resamples ?? 2000;
  if (!Number.isInteger(resamples) || resamples < 100) {
    throw new ValidationError('resamples', `expected an integer >= 100, got ${resamples}`);
  }
  const level = options.level ?? 0.95;
  inOpenUnit('level', level);
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0) {
    throw new ValidationError('seed', `expected a non-negative integer, got ${seed}`);
  }
  return { eps: [...eps].sort((a, b) => b - a), flatSlope, resamples, level, seed };
}
