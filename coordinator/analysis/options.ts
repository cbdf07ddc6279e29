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
  /**
   * Fewest falling widths a rate is fitted from: two points always lie on a line, so a slope from
   * two widths has no check at all. Unit: widths, an integer >= 2. @default 3
   */
  minRateWidths?: number;
  /**
   * A width is sample-limited when its median evaluation L1 error exceeds estimationGap times its
   * median L1 error on the training points (at 2, at least half the error is the fit failing to
   * generalise from the training sample). Unit: ratio, > 1. @default 2
   */
  estimationGap?: number;
  /**
   * A width is optimiser-limited when training's error exceeds optimisationGap times the best
   * reference approximant of the same width (an explicit width-m network, so the width can do at
   * least that well). Unit: ratio, > 1. @default 3
   */
  optimisationGap?: number;
  /**
   * A width is at the evaluation floor when its median L1 error is within floorStderrs standard
   * errors of the evaluation (the error estimate cannot be told from noise). Unit: standard
   * errors, > 0. @default 3
   */
  floorStderrs?: number;
  /**
   * A width is also at the evaluation floor when its median L1 error is below floorL1: the nets
   * compute in float32 (relative rounding ~6e-8), so below 1e-6 of a unit-scale target the
   * error measures arithmetic, not the approximation. Unit: L1 error, > 0. @default 1e-6
   */
  floorL1?: number;
  /**
   * An eps-width is extrapolated only up to maxExtrapolation times the widest width measured: a
   * power law fitted over a few doublings says nothing about widths many doublings further (16:
   * four more doublings). Unit: multiple of the widest width, >= 1. @default 16
   */
  maxExtrapolation?: number;
}

export interface ResolvedAnalysisOptions {
  readonly eps: readonly number[];
  readonly flatSlope: number;
  readonly resamples: number;
  readonly level: number;
  readonly seed: number;
  readonly minRateWidths: number;
  readonly estimationGap: number;
  readonly optimisationGap: number;
  readonly floorStderrs: number;
  readonly floorL1: number;
  readonly maxExtrapolation: number;
}

export const DEFAULT_EPS: readonly number[] = [1e-2, 1e-3];

function inOpenUnit(field: string, value: number): void {
  if (!(typeof value === 'number' && value > 0 && value < 1)) {
    throw new ValidationError(field, `expected a number in (0, 1), got ${String(value)}`);
  }
}

function above(field: string, value: number, bound: number): number {
  if (!(typeof value === 'number' && value > bound && Number.isFinite(value))) {
    throw new ValidationError(field, `expected a number > ${bound}, got ${String(value)}`);
  }
  return value;
}

function atLeastOne(value: number): number {
  if (!(typeof value === 'number' && value >= 1 && Number.isFinite(value))) {
    throw new ValidationError('maxExtrapolation', `expected a number >= 1, got ${String(value)}`);
  }
  return value;
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
  const minRateWidths = options.minRateWidths ?? 3;
  if (!Number.isInteger(minRateWidths) || minRateWidths < 2) {
    throw new ValidationError('minRateWidths', `expected an integer >= 2, got ${minRateWidths}`);
  }
  return {
    eps: [...eps].sort((a, b) => b - a),
    flatSlope,
    resamples,
    level,
    seed,
    minRateWidths,
    estimationGap: above('estimationGap', options.estimationGap ?? 2, 1),
    optimisationGap: above('optimisationGap', options.optimisationGap ?? 3, 1),
    floorStderrs: above('floorStderrs', options.floorStderrs ?? 3, 0),
    floorL1: above('floorL1', options.floorL1 ?? 1e-6, 0),
    maxExtrapolation: atLeastOne(options.maxExtrapolation ?? 16),
  };
}
