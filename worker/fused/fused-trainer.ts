import { ValidationError } from '../../shared/errors.js';
import { chooseOptimizer } from '../../shared/optimizer-choice.js';
import { lossCurveSteps } from '../train/loss-curve.js';
import { MinibatchSampler } from '../train/minibatch.js';
import { learningRateAt } from '../train/schedule.js';
import {
  checkInput,
  LossCurveRecorder,
  type TrainNetworkInput,
  type TrainResult,
} from '../train/trainer.js';
import { FusedNet } from './fused-net.js';
import { instantiateKernel, type CompiledKernel } from './kernel.js';
import { PILOT_SHARE, pilotWarmStart } from '../train/pilot-init.js';
import { createMethod, type Method } from './methods.js';
import { resolveFusedTrainerOptions, type FusedTrainerOptions } from './options.js';

/** Same as the tfjs trainer: hand the event loop a turn this often so aborts get through. Units: ms. */
const YIELD_INTERVAL_MS = 20;

export interface FusedTrainInput extends Omit<TrainNetworkInput, 'tf'> {
  readonly kernel: CompiledKernel;
  /** Tuning knobs; the defaults are what the backend uses for tasks. */
  readonly options?: FusedTrainerOptions;
}

/**
 * Trains g(x) = W2 relu(W1 x + b1) + b2 from `init` on `data` with the fused WebAssembly kernel:
 * the same contract as trainNetwork (worker/train/trainer.ts) — same loss curve points, same
 * divergence rule, same result shape — plus the optimizers that need it (lsgd, lbfgs). Each call
 * gets its own kernel instance, so calls may interleave within a thread.
 */
export async function trainFused(input: FusedTrainInput): Promise<TrainResult> {
  const { data, init, signal } = input;
  checkInput(data, init, input.train.loss);
  const train = {
    ...input.train,
    optimizer: chooseOptimizer(input.train, {
      dim: init.dim,
      width: init.width,
      samples: data.n,
    }),
  };
  const options = resolveFusedTrainerOptions(input.options);
  const minibatch = train.batch > 0 && train.batch < data.n;
  if (train.optimizer === 'lbfgs' && minibatch) {
    throw new ValidationError('train.batch', 'lbfgs trains full batch: expected 0');
  }
  if (train.optimizer === 'lsgd' && train.loss !== 'mse') {
    throw new ValidationError(
      'train.optimizer',
      `lsgd solves the output layer by least squares, which needs the mse loss, got ${train.loss}`,
    );
  }
  signal?.throwIfAborted();
  const startMs = performance.now();
  const net = new FusedNet(instantiateKernel(input.kernel), data, init, {
    batch: minibatch ? train.batch : 0,
    ...(options.block === undefined ? {} : { block: options.block }),
  });
  const sampler = minibatch ? new MinibatchSampler(data.n, train.batch, input.shuffleSeed) : null;
  let method: Method = createMethod(net, train, sampler, options);
  // train.init reference: the first PILOT_SHARE of the steps fit a pilot, whose gradient outer
  // product then shapes a fresh hidden layer (worker/train/pilot-init.ts) for the rest.
  const restartAt = train.init === 'reference' ? Math.floor(PILOT_SHARE * train.steps) : -1;
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
    curve.add(steps, fullLoss());
  }
  const points = curve.points;
  return {
    weights: net.weights(),
    steps,
    lossCurve: points,
    trainLoss: points[points.length - 1]?.[1] ?? Number.NaN,
    trainMs: performance.now() - startMs,
    divergence: curve.divergence,
  };
}

/**
 * Replaces the pilot by its warm start (worker/train/pilot-init.ts) with fresh optimizer state
 * and, for the least-squares optimizers, a solved output layer. False (nothing changed) when the
 * pilot's gradient outer product is not low-dimensional.
 */
function warmStart(
  net: FusedNet,
  data: FusedTrainInput['data'],
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
