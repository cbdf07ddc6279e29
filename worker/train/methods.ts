import type { OptimizerName } from '../../shared/optimizer-choice.js';
import type { ResolvedTrainSpec } from '../../shared/spec/schema.js';
import type { TrainingKernel } from './kernel.js';
import { Lbfgs } from './lbfgs.js';
import type { MinibatchSampler } from './minibatch.js';
import type { ResolvedTrainerOptions } from './options.js';

/**
 * One optimizer driving a TrainingKernel, step by step: written once, so every optimizer means
 * the same thing on every backend.
 */
export interface Method {
  /**
   * Applies update `step` (0-based) with learning rate `lr`. Returns the full-data loss before
   * the update when the update computed it anyway (full batch), NaN when it did not (minibatch),
   * or null when the method cannot make progress any more and applied nothing.
   */
  update(step: number, lr: number): number | null;
  /** Brings the weights to their final state once the loop ends (lsgd: a last solve). */
  finish(): void;
}

type Recipe = Pick<ResolvedTrainSpec, 'momentum' | 'loss' | 'lr'> & {
  readonly optimizer: OptimizerName;
};

export function createMethod(
  net: TrainingKernel,
  train: Recipe,
  sampler: MinibatchSampler | null,
  options: ResolvedTrainerOptions,
  warmStarted = false,
  fallbackLrScale = 1,
): Method {
  // Periodic output solves help lbfgs where the hidden layer is effectively one-dimensional (a
  // warm start along a ridge, or d = 1) and cost 10-25% on isotropic 2-D targets (methods.ts).
  const solveEvery = warmStarted || net.dim === 1 ? options.lbfgsSolveEvery : 0;
  switch (train.optimizer) {
    case 'adam':
    case 'sgd':
      return firstOrder(net, train, sampler, net.paramCount);
    case 'lsgd':
      return leastSquaresGradient(net, train, sampler, options);
    case 'lbfgs':
      return train.loss === 'l1'
        ? untilStalled(
            lbfgs(net, train, options, 0),
            firstOrder(net, { ...train, optimizer: 'adam' }, null, net.paramCount),
            fallbackLrScale,
          )
        : lbfgs(net, train, options, solveEvery);
  }
}

/** Loss and gradient on the full data set, or on the next minibatch (then the loss is NaN). */
function gradientStep(
  net: TrainingKernel,
  train: Recipe,
  sampler: MinibatchSampler | null,
): number {
  if (sampler === null) return net.lossGradient(train.loss, true);
  net.loadBatch(sampler.next());
  net.lossGradient(train.loss, true, 'batch');
  return Number.NaN;
}

/** Adam or SGD on the first `count` parameters (all of them, or the hidden layer). */
function firstOrder(
  net: TrainingKernel,
  train: Recipe,
  sampler: MinibatchSampler | null,
  count: number,
): Method {
  const adam = train.optimizer !== 'sgd';
  return {
    update(step, lr) {
      const loss = gradientStep(net, train, sampler);
      if (adam) net.adam(lr, step + 1, count);
      else net.sgd(lr, train.momentum, count);
      return loss;
    },
    finish() {},
  };
}

/**
 * LS/GD: the output layer by regularised least squares on the full data set, then an Adam step
 * on the hidden layer alone (the gradient of the reduced loss at the solution). The solve runs
 * before every step: on 1-D sine (widths 32-128) solving every 2nd step instead doubled the L1
 * error at width 128, every 8th made it 8x worse. The feature Gram matrix is so ill-conditioned
 * that a solution one hidden step old is far from the new one.
 */
function leastSquaresGradient(
  net: TrainingKernel,
  train: Recipe,
  sampler: MinibatchSampler | null,
  options: ResolvedTrainerOptions,
): Method {
  const solve = (): void => net.solveOutputLayer(options.ridge);
  const hidden = firstOrder(net, { ...train, optimizer: 'adam' }, sampler, net.hiddenCount);
  return {
    update(step, lr) {
      solve();
      return hidden.update(step, lr);
    },
    finish: solve,
  };
}

/**
 * Full-batch L-BFGS on all weights; `lr` sets the length of the very first step only. With
 * `solveEvery` > 0 (mse only) the output layer is replaced by its least-squares fit every that
 * many steps and the curvature pairs start afresh: after a warm start (worker/train/
 * pilot-init.ts) this took ridge-sine (d = 4, width 128) from 3.4x to 2.4x the ridge
 * interpolant, and 1-D sine at width 512 from 12x to 3.1x the m-knot interpolant; from a random
 * start it cost 10-25% on 2-D sine, so it is used after warm starts and in 1-D only. When the
 * inner run stalls, one more solve and a fresh start get a second chance before it ends.
 */
function lbfgs(
  net: TrainingKernel,
  train: Recipe,
  options: ResolvedTrainerOptions,
  solveEvery: number,
): Method {
  if (!(solveEvery > 0 && train.loss === 'mse')) return plainLbfgs(net, train, options);
  let inner = plainLbfgs(net, train, options);
  return {
    update(step, lr) {
      if (step > 0 && step % solveEvery === 0) {
        net.solveOutputLayer(options.ridge);
        inner = plainLbfgs(net, train, options);
      }
      const loss = inner.update(step, lr);
      if (loss !== null) return loss;
      // Stalled: a fresh output solve usually gives the hidden layer something to do again.
      net.solveOutputLayer(options.ridge);
      inner = plainLbfgs(net, train, options);
      return inner.update(step, lr);
    },
    finish() {},
  };
}

/** Bytes the curvature pairs of a d >= 2 net may take: two float64 vectors per pair. */
const LBFGS_PAIR_BUDGET_BYTES = 64 * 2 ** 20;

/**
 * Curvature pairs lbfgs keeps for this net. In d >= 2, 100 instead of 10: the hidden layer of a
 * wide net has many directions of slow progress, and more pairs model them (bump, d = 2, width
 * 256, seed 0: L1 1.34e-3 -> 8.8e-4; sine 2.87e-3 -> 1.94e-3; bump, d = 4: 1.01e-2 -> 9.3e-3,
 * width 16 unchanged). The two-loop recursion costs 4 x pairs x parameters per step, 1-2% of a
 * gradient pass at d = 4, width 256.
 */
export function lbfgsHistoryFor(
  net: Pick<TrainingKernel, 'dim' | 'paramCount'>,
  options: Pick<ResolvedTrainerOptions, 'lbfgsHistory' | 'lbfgsHistoryMultiDim'>,
): number {
  if (net.dim < 2) return options.lbfgsHistory;
  const affordable = Math.floor(LBFGS_PAIR_BUDGET_BYTES / (16 * net.paramCount));
  return Math.max(options.lbfgsHistory, Math.min(options.lbfgsHistoryMultiDim, affordable));
}

function plainLbfgs(net: TrainingKernel, train: Recipe, options: ResolvedTrainerOptions): Method {
  const solver = new Lbfgs(
    Float64Array.from(net.readParams()),
    (x, grad) => {
      net.writeParams(x);
      const loss = net.lossGradient(train.loss, true);
      net.readGradient(grad);
      return loss;
    },
    { history: lbfgsHistoryFor(net, options), firstStep: train.lr },
  );
  return {
    update() {
      const before = solver.loss;
      const moved = solver.iterate();
      // The kernel holds the last point the line search tried, not necessarily the accepted one.
      net.writeParams(solver.x);
      return moved ? before : null;
    },
    finish() {},
  };
}

/**
 * `first` until it stalls, then `then` for the remaining steps. For lbfgs on the l1 loss: its
 * loss is piecewise linear, and at a point where several residuals are exactly zero no step along
 * the (sub)gradient lowers it, though the point is far from optimal (on `singular` lbfgs alone
 * stopped after 33-232 of 2000 steps at widths 4-8); Adam's sign-like steps with the cosine
 * schedule walk off such kinks. `thenLrScale` scales the learning rate of `then` (see
 * KNOT_L1_FALLBACK_LR_SCALE).
 */
function untilStalled(first: Method, then: Method, thenLrScale: number): Method {
  let current: Method | null = first;
  return {
    update(step, lr) {
      if (current === first) {
        const loss = first.update(step, lr);
        if (loss !== null) return loss;
        first.finish();
        current = then;
      }
      return then.update(step, lr * thenLrScale);
    },
    finish() {
      (current ?? first).finish();
    },
  };
}
