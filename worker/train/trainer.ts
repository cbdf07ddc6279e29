import { ValidationError } from '../../shared/errors.js';
import { chooseOptimizer, type OptimizerName } from '../../shared/optimizer-choice.js';
import type { NetworkWeights } from '../../shared/network.js';
import type { ResolvedTrainSpec } from '../../shared/spec/schema.js';
import type { TrainingData } from '../../shared/training-data.js';
import type { KernelFactory, TrainingKernel } from './kernel.js';
import { lossCurveSteps } from './loss-curve.js';
import { createMethod } from './methods.js';
import { MinibatchSampler } from './minibatch.js';
import { KNOT_L1_FALLBACK_LR_SCALE, keepBetter, knotWarmStart } from './knot-init.js';
import { PILOT_SHARE, pilotWarmStart } from './pilot-init.js';
import { resolveTrainerOptions, type TrainerOptions } from './options.js';
import { learningRateAt } from './schedule.js';

/** Training stops as diverged once the loss exceeds this multiple of the initial loss. */
export const DIVERGENCE_FACTOR = 1e6;

/**
 * Training runs synchronous kernel calls; this often it hands the event loop a turn so that a
 * cancellation (abort signal, IPC message) gets through. Units: ms.
 */
const YIELD_INTERVAL_MS = 20;

export interface TrainNetworkInput {
  readonly data: TrainingData;
  /** The starting point; left untouched (training works on copies). */
  readonly init: NetworkWeights;
  readonly train: Pick<
    ResolvedTrainSpec,
    'steps' | 'lr' | 'optimizer' | 'momentum' | 'schedule' | 'batch' | 'loss' | 'init'
  >;
  /** Seeds the minibatch order; unused when training full batch. */
  readonly shuffleSeed: number;
  /** Checked between steps (at least every 20 ms); aborting rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
  /** Tuning knobs; the defaults are what the backends use for tasks. */
  readonly options?: TrainerOptions;
}

export interface TrainResult {
  readonly weights: NetworkWeights;
  /** Optimizer updates applied (fewer than asked when training diverged). */
  readonly steps: number;
  /**
   * [step, loss on the whole training set after `step` updates], at most 200 evenly spaced
   * points from step 0 to the last step. On divergence it ends with the offending loss, which
   * may be NaN or Infinity.
   */
  readonly lossCurve: ReadonlyArray<readonly [number, number]>;
  /** The last loss in lossCurve. */
  readonly trainLoss: number;
  readonly trainMs: number;
  /** The optimizer that trained it (`auto` resolved). */
  readonly optimizer: OptimizerName;
  /** Why training stopped early (NaN or exploding loss, with the step), or null. */
  readonly divergence: string | null;
}

/**
 * Trains g(x) = W2 relu(W1 x + b1) + b2 from `init` on `data` with the kernel `createKernel`
 * builds (any backend): full batch when train.batch is 0 (or covers all points), else seeded
 * minibatches. The one training loop: every backend gets the same loss curve points, divergence
 * rule, yields and abort. Whatever the kernel holds is freed before it returns or throws.
 */
export async function trainNetwork(
  input: TrainNetworkInput,
  createKernel: KernelFactory,
): Promise<TrainResult> {
  const { init, signal } = input;
  checkInput(input.data, init, input.train.loss);
  const train = {
    ...input.train,
    optimizer: chooseOptimizer(input.train, {
      dim: init.dim,
      width: init.width,
      outputs: init.outputs,
      samples: input.data.n,
    }),
  };
  checkRecipe(train, input.data.n);
  const options = resolveTrainerOptions(input.options);
  signal?.throwIfAborted();
  const startMs = performance.now();
  // train.init reference in 1-D: training starts from the m-piece fit to the samples and keeps
  // it if it beats the trained net on held-out samples (worker/train/knot-init.ts); elsewhere the
  // first PILOT_SHARE of the steps fit a pilot, whose gradient outer product then shapes a fresh
  // hidden layer (worker/train/pilot-init.ts).
  const knotStart = train.init === 'reference' ? knotWarmStart(init, input.data, train.loss) : null;
  const data = knotStart?.fit ?? input.data;
  const minibatch = train.batch > 0 && train.batch < data.n;
  const net = createKernel(data, knotStart?.net ?? init, minibatch ? train.batch : 0);
  try {
    const sampler = minibatch ? new MinibatchSampler(data.n, train.batch, input.shuffleSeed) : null;
    let method = createMethod(
      net,
      train,
      sampler,
      options,
      knotStart !== null,
      knotStart !== null ? KNOT_L1_FALLBACK_LR_SCALE : 1,
    );
    const pilot = train.init === 'reference' && knotStart === null;
    const restartAt = pilot ? Math.floor(PILOT_SHARE * train.steps) : -1;
    let stepOffset = 0;
    const fullLoss = (): number => net.lossGradient(train.loss, false);
    const curve = new LossCurveRecorder(lossCurveSteps(train.steps));
    let steps = 0;
    let lastYieldMs = performance.now();
    for (let s = 0; s < train.steps; s++) {
      if (s === restartAt) {
        method.finish();
        if (warmStart(net, data, train, input.shuffleSeed, options.ridge)) {
          method = createMethod(net, train, sampler, options, true);
          stepOffset = s;
        }
      }
      const lr = learningRateAt(train.schedule, train.lr, s - stepOffset, train.steps - stepOffset);
      if (sampler !== null && curve.wants(s) && !curve.add(s, fullLoss())) break;
      // Full batch: the loss that comes with the gradient is the loss after s updates.
      const loss = method.update(s - stepOffset, lr);
      // A method that cannot improve any more (lbfgs at float precision) ends training early,
      // the pilot of a warm start at its restart (`steps` then counts the skipped pilot steps:
      // it is the index the loss curve ends at).
      if (loss === null) {
        if (s >= restartAt) break;
        s = restartAt - 1;
        continue;
      }
      steps = s + 1;
      if (sampler === null && curve.wants(s) && !curve.add(s, loss)) break;
      if (performance.now() - lastYieldMs >= YIELD_INTERVAL_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        signal?.throwIfAborted();
        lastYieldMs = performance.now();
      }
    }
    if (curve.divergence === null) {
      method.finish();
      if (knotStart !== null) net.setWeights(keepBetter(knotStart, net.weights()));
      curve.add(steps, fullLoss());
    }
    const points = curve.points;
    return {
      weights: net.weights(),
      steps,
      lossCurve: points,
      trainLoss: points[points.length - 1]?.[1] ?? Number.NaN,
      trainMs: performance.now() - startMs,
      optimizer: train.optimizer,
      divergence: curve.divergence,
    };
  } finally {
    net.dispose();
  }
}

/**
 * Replaces the pilot by its warm start (worker/train/pilot-init.ts) with fresh optimizer state
 * and, for the least-squares optimizers, a solved output layer. False (nothing changed) when the
 * pilot's gradient outer product is not low-dimensional.
 */
function warmStart(
  net: TrainingKernel,
  data: TrainingData,
  train: { readonly loss: string; readonly optimizer: string },
  seed: number,
  ridge: number,
): boolean {
  const warm = pilotWarmStart(net.weights(), data, seed);
  if (warm === null) return false;
  net.setWeights(warm);
  net.resetMoments();
  if (train.loss === 'mse' && train.optimizer !== 'adam' && train.optimizer !== 'sgd') {
    net.solveOutputLayer(ridge);
  }
  return true;
}

/** Collects the loss curve and decides, point by point, whether training has diverged. */
export class LossCurveRecorder {
  readonly points: Array<readonly [number, number]> = [];
  divergence: string | null = null;
  private next = 0;
  private initialLoss = Number.NaN;

  constructor(private readonly steps: readonly number[]) {}

  wants(step: number): boolean {
    return this.steps[this.next] === step;
  }

  /** Records the loss after `step` updates; false when it shows divergence. */
  add(step: number, loss: number): boolean {
    this.points.push([step, loss]);
    this.next += 1;
    if (this.points.length === 1) this.initialLoss = loss;
    if (!Number.isFinite(loss)) {
      this.divergence = `loss is ${loss} at step ${step}`;
    } else if (this.initialLoss > 0 && loss > DIVERGENCE_FACTOR * this.initialLoss) {
      this.divergence =
        `loss ${loss.toPrecision(4)} at step ${step} exceeds ${DIVERGENCE_FACTOR} × ` +
        `the initial loss ${this.initialLoss.toPrecision(4)}`;
    }
    return this.divergence === null;
  }
}

export function checkInput(data: TrainingData, init: NetworkWeights, loss: string): void {
  if (data.dim !== init.dim || data.outputs !== init.outputs) {
    throw new RangeError(
      `training data is ${data.dim}-d with ${data.outputs} outputs, the network ` +
        `${init.dim}-d with ${init.outputs}`,
    );
  }
  if (data.x.length !== data.n * data.dim || data.y.length !== data.n * data.outputs) {
    throw new RangeError(`training data arrays do not match n = ${data.n}`);
  }
  const softmax = init.output === 'softmax';
  if (softmax !== (loss === 'cross-entropy')) {
    throw new ValidationError(
      'train.loss',
      softmax
        ? `expected cross-entropy for a classification (softmax) network, got "${loss}"`
        : `cross-entropy needs a classification target, got a regression one`,
    );
  }
}

/** Recipe checks that depend on the resolved optimizer (the spec checks named ones up front). */
function checkRecipe(
  train: Pick<ResolvedTrainSpec, 'batch' | 'loss'> & { optimizer: string },
  n: number,
): void {
  if (train.optimizer === 'lbfgs' && train.batch > 0 && train.batch < n) {
    throw new ValidationError('train.batch', 'lbfgs trains full batch: expected 0');
  }
  if (train.optimizer === 'lsgd' && train.loss !== 'mse') {
    throw new ValidationError(
      'train.optimizer',
      `lsgd solves the output layer by least squares, which needs the mse loss, got ${train.loss}`,
    );
  }
}
