import { z } from 'zod';
import {
  describeValue,
  nonNegativeInt,
  numberIn,
  oneOf,
  positiveInt,
  positiveIntOr,
  positiveNumber,
  uniqueList,
} from './fields.js';
import { MAX_EVAL_SAMPLES, MAX_STEPS, MAX_TRAIN_SAMPLES, MAX_WIDTH } from './limits.js';

/** Largest input dimension; Sobol direction numbers and memory estimates are sized for it. */
export const MAX_DIM = 64;

/** A study name: also the study id in URLs, subjects and the database. */
export const STUDY_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** The message of a size cap (shared/spec/limits.ts): the limit and the value given. */
function atMost(limit: number) {
  return {
    error: (i: { input?: unknown }) => `expected at most ${limit}, got ${describeValue(i.input)}`,
  };
}

const studyName = z
  .string({ error: (i) => `expected a study name, got ${describeValue(i.input)}` })
  .regex(STUDY_NAME_PATTERN, {
    error: 'expected 1-64 letters, digits, "_", "." or "-", starting with a letter or digit',
  });

export const gridSchema = z.strictObject({
  dims: uniqueList(
    positiveInt().max(MAX_DIM, { error: `expected at most ${MAX_DIM}` }),
    'input dimensions',
  ),
  widths: uniqueList(positiveInt().max(MAX_WIDTH, atMost(MAX_WIDTH)), 'hidden widths'),
  seeds: uniqueList(nonNegativeInt(), 'seeds'),
  /** Target names or `{ name, ...params }` objects; checked against the registry in validate.ts. */
  targets: z
    .array(z.unknown(), {
      error: (i) => `expected a list of targets, got ${describeValue(i.input)}`,
    })
    .min(1, { error: 'expected a non-empty list of targets' }),
});

export const trainSchema = z.strictObject({
  /** Optimizer steps. @default 2000 */
  steps: positiveInt().max(MAX_STEPS, atMost(MAX_STEPS)).default(2000),
  /**
   * Training points, drawn uniformly on [0,1]^d from the task seed: a positive integer, or auto =
   * a count that grows with the net's parameters (shared/training-data.ts autoSampleCount),
   * resolved into each task. @default auto
   */
  samples: positiveIntOr('auto')
    .refine((v) => v === 'auto' || v <= MAX_TRAIN_SAMPLES, atMost(MAX_TRAIN_SAMPLES))
    .default('auto'),
  /**
   * random = the seeded random initialisation (shared/init.ts); reference = a data-driven warm
   * start: a pilot fit on the training points shapes the hidden directions (worker/train/
   * pilot-init.ts); in 1-D (single-output regression) training starts from the free-knot m-piece
   * fit to the samples instead, kept if it beats the trained net on 1/8 held-out samples
   * (worker/train/knot-init.ts). No target knowledge beyond the samples; every backend. No zod default:
   * absent = reference for lbfgs and lsgd, random for adam and sgd, resolved into each task (shared/expand.ts sizedRecipe).
   * @default reference (lbfgs, lsgd), random (adam, sgd)
   */
  init: oneOf(['random', 'reference']).optional(),
  /** Learning rate (peak, for the cosine schedule). @default 0.01 */
  lr: positiveNumber().default(0.01),
  /**
   * adam | sgd (with momentum) on all weights; lsgd = the output layer solved exactly by
   * regularised least squares before every Adam step on the hidden layer (mse only); lbfgs =
   * full-batch L-BFGS on all weights (lr sets its first step only); auto = per task kind, resolved
   * into each task (shared/optimizer-choice.ts). lsgd and lbfgs need the fused backend.
   * @default auto
   */
  optimizer: oneOf(['auto', 'adam', 'sgd', 'lsgd', 'lbfgs']).default('auto'),
  /** Momentum for sgd. @default 0 */
  momentum: numberIn(0, 1, true).default(0),
  schedule: oneOf(['constant', 'cosine']).default('cosine'),
  /** Minibatch size; 0 = full batch. @default 0 */
  batch: nonNegativeInt().default(0),
  /** auto = the target's natural loss (mse; l1 for singular; cross-entropy for classification). */
  loss: oneOf(['auto', 'mse', 'l1', 'cross-entropy']).default('auto'),
  /**
   * direct = every target with its own loss; construction = classification targets by the paper's
   * softmax construction (regression nets with mse on (2K/eps)(f_i - 1/2), then softmax); both =
   * each classification target both ways. No zod default: a recipe without the key must keep the
   * task ids it had before modes existed. @default direct
   */
  mode: oneOf(['direct', 'construction', 'both']).optional(),
  /** The construction's eps, in (0, 1). @default 0.01 (construction only) */
  eps: z
    .number({ error: (i) => `expected a number in (0, 1), got ${describeValue(i.input)}` })
    .gt(0, { error: (i) => `expected a number in (0, 1), got ${describeValue(i.input)}` })
    .lt(1, { error: (i) => `expected a number in (0, 1), got ${describeValue(i.input)}` })
    .optional(),
});

export const evalSchema = z.strictObject({
  /** Evaluation points, never the training points. A power of two for sobol. @default 16384 */
  samples: positiveInt().max(MAX_EVAL_SAMPLES, atMost(MAX_EVAL_SAMPLES)).default(16384),
  sampler: oneOf(['sobol', 'uniform']).default('sobol'),
  /** Independent scramblings (sobol) or batches (uniform) for the standard error. @default 8 */
  replicates: positiveInt().min(2, { error: 'expected at least 2' }).default(8),
  /** Logit scale for the sharpened softmax L1 (the paper's s -> infinity). @default 1000 */
  sharpen: positiveNumber().default(1000),
});

/**
 * Sends tasks to pools of workers (`widthsweep worker --pool NAME`) by what they need: the first
 * rule a task matches picks its pool, the rest go to `default`. Routing is not part of task ids:
 * where a task trains does not change what it computes.
 */
export const routeSchema = z.strictObject({
  pool: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, {
    error: (i) => `expected 1-32 letters, digits, "_" or "-", got ${describeValue(i.input)}`,
  }),
  /** Tasks at least this wide. */
  minWidth: positiveInt().optional(),
  /** Tasks at most this wide. */
  maxWidth: positiveInt().optional(),
  /** Tasks of these input dimensions. */
  dims: z.array(positiveInt()).min(1).optional(),
  /** Tasks of these target names. */
  targets: z.array(z.string()).min(1).optional(),
});

export const studySpecSchema = z.strictObject({
  name: studyName,
  description: z.string().optional(),
  grid: gridSchema,
  train: trainSchema.default(() => trainSchema.parse({})),
  eval: evalSchema.default(() => evalSchema.parse({})),
  routing: z.array(routeSchema).default([]),
});

/** A spec as the user writes it. */
export type StudySpecInput = z.input<typeof studySpecSchema>;
/** A spec after validation: defaults filled in, targets not yet resolved. */
export type ParsedStudySpec = z.output<typeof studySpecSchema>;
export type ResolvedTrainSpec = Omit<
  z.output<typeof trainSchema>,
  'loss' | 'mode' | 'eps' | 'samples' | 'init'
> & {
  loss: 'mse' | 'l1' | 'cross-entropy';
  /** Training points, `auto` resolved for the task's net. */
  samples: number;
  /** Present only for the data-driven warm start (absent = random). */
  init?: 'reference';
  /** Present only for the softmax construction (see shared/train-mode.ts). */
  mode?: 'construction';
  eps?: number;
};
export type ResolvedEvalSpec = z.output<typeof evalSchema>;
export type Route = z.output<typeof routeSchema>;
