import { initNetwork } from '../../shared/init.js';
import { deriveSeed, Rng } from '../../shared/random.js';
import type { OptimizerName } from '../../shared/optimizer-choice.js';
import type { TrainingData } from '../../shared/training-data.js';
import { trainOnBackend, type BackendContext } from '../backend-context.js';

/** One benchmark case: a full-batch (or minibatch) training run on synthetic regression data. */
export interface BenchCase {
  /** adam, sgd, lsgd or lbfgs (a step of lbfgs is one iteration, line search included). */
  readonly optimizer: OptimizerName;
  readonly dim: number;
  readonly width: number;
  readonly samples: number;
  /** The most steps to time; fewer when the time budget runs out first. */
  readonly steps: number;
  /** Minibatch size, 0 = full batch. */
  readonly batch: number;
  /** Time to aim for per measurement; a slow backend times fewer steps. Units: ms. */
  readonly budgetMs: number;
}

export interface BenchTiming {
  /** Steps actually timed. */
  readonly steps: number;
  readonly msPerStep: number;
}

/** Steps always timed, however slow the backend: a single step is too noisy. */
const MIN_TIMED_STEPS = 5;
const WARMUP_STEPS = 3;

/**
 * Floating-point operations of one training step, counting every add, multiply, max and mask:
 * per sample and hidden unit 2d (pre-activation) + 1 (relu) + 2k (output), then 2k (output
 * weight gradient) + 2k (back-propagated derivative) + 1 (relu mask) + 1 (bias gradient) + 2d
 * (hidden weight gradient) = 4d + 6k + 3. The optimizer update is O(parameters), left out.
 */
export function stepFlops(dim: number, width: number, samples: number, outputs = 1): number {
  return samples * width * (4 * dim + 6 * outputs + 3);
}

/** The synthetic task: uniform points, y = sin(2 pi (x_1 + ... + x_d)), seeded. */
export function benchData(dim: number, samples: number): TrainingData {
  const rng = new Rng(deriveSeed('bench', dim, samples));
  const x = new Float32Array(samples * dim).map(() => rng.next());
  const y = new Float32Array(samples);
  for (let p = 0; p < samples; p++) {
    let sum = 0;
    for (let i = 0; i < dim; i++) sum += x[p * dim + i] ?? 0;
    y[p] = Math.sin(2 * Math.PI * sum);
  }
  return { n: samples, dim, outputs: 1, x, y };
}

/**
 * Times the real trainer of `ctx` on `benchCase`: a warm-up run, then one run of as many steps
 * as fit the budget (between 5 and benchCase.steps). Per-step time is the run's trainMs over
 * its steps, so setup (uploading the data) is included, amortised.
 */
export async function timeBenchCase(
  ctx: BackendContext,
  benchCase: BenchCase,
): Promise<BenchTiming> {
  const data = benchData(benchCase.dim, benchCase.samples);
  const init = initNetwork(benchCase.dim, benchCase.width, 1, 'linear', deriveSeed('bench-init'));
  const run = (steps: number) =>
    trainOnBackend(ctx, {
      data,
      init,
      train: {
        steps,
        lr: 1e-3,
        optimizer: benchCase.optimizer,
        momentum: 0,
        schedule: 'constant',
        batch: benchCase.batch,
        loss: 'mse',
      },
      shuffleSeed: 1,
    });
  const warm = await run(WARMUP_STEPS);
  const estimate = warm.trainMs / WARMUP_STEPS;
  const steps = Math.max(
    MIN_TIMED_STEPS,
    Math.min(benchCase.steps, Math.floor(benchCase.budgetMs / Math.max(estimate, 1e-3))),
  );
  const timed = await run(steps);
  // lbfgs may stop early at float precision: time per step actually taken.
  return { steps: timed.steps, msPerStep: timed.trainMs / Math.max(timed.steps, 1) };
}
