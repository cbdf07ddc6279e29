import { ValidationError } from '../../shared/errors.js';
import { describeValue } from '../../shared/spec/fields.js';
import { DEFAULT_RIDGE } from './lsgd.js';

/** Knobs of the trainer that are not part of a task's recipe (they do not change ids). */
export interface TrainerOptions {
  /**
   * Fused backend only: samples per kernel block, a multiple of 16. @default chosen from the
   * width (fused-net.ts)
   */
  readonly block?: number;
  /** lsgd: relative ridge of the least-squares solve (see worker/train/lsgd.ts). @default 1e-10 */
  readonly ridge?: number;
  /** lbfgs in d = 1: curvature pairs kept. @default 10 */
  readonly lbfgsHistory?: number;
  /**
   * lbfgs in d >= 2: curvature pairs kept, fewer where they would take more than 64 MiB
   * (methods.ts), never fewer than lbfgsHistory. @default 100
   */
  readonly lbfgsHistoryMultiDim?: number;
  /**
   * lbfgs on mse after a warm start or in 1-D: steps between least-squares solves of the output layer
   * (0 = never; see methods.ts). @default 200
   */
  readonly lbfgsSolveEvery?: number;
}

export interface ResolvedTrainerOptions {
  readonly block: number | undefined;
  readonly ridge: number;
  readonly lbfgsHistory: number;
  readonly lbfgsHistoryMultiDim: number;
  readonly lbfgsSolveEvery: number;
}

export function resolveTrainerOptions(options: TrainerOptions = {}): ResolvedTrainerOptions {
  const {
    block,
    ridge = DEFAULT_RIDGE,
    lbfgsHistory = 10,
    lbfgsHistoryMultiDim = 100,
    lbfgsSolveEvery = 200,
  } = options;
  if (block !== undefined && !(Number.isInteger(block) && block >= 16 && block % 16 === 0)) {
    throw new ValidationError(
      'block',
      `expected a positive multiple of 16, got ${describeValue(block)}`,
    );
  }
  if (!(typeof ridge === 'number' && ridge >= 0 && Number.isFinite(ridge))) {
    throw new ValidationError('ridge', `expected a number >= 0, got ${describeValue(ridge)}`);
  }
  for (const [field, value] of [
    ['lbfgsHistory', lbfgsHistory],
    ['lbfgsHistoryMultiDim', lbfgsHistoryMultiDim],
  ] as const) {
    if (!(Number.isInteger(value) && value >= 1)) {
      throw new ValidationError(field, `expected a positive integer, got ${describeValue(value)}`);
    }
  }
  if (!(Number.isInteger(lbfgsSolveEvery) && lbfgsSolveEvery >= 0)) {
    throw new ValidationError(
      'lbfgsSolveEvery',
      `expected a non-negative integer, got ${describeValue(lbfgsSolveEvery)}`,
    );
  }
  return { block, ridge, lbfgsHistory, lbfgsHistoryMultiDim, lbfgsSolveEvery };
}
