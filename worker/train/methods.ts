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
): Method {
  switch (train.optimizer) {
    case 'adam':
    case 'sgd':
      return firstOrder(net, train, sampler, net.paramCount);
    case 'lsgd':
      return leastSquaresGradient(net, train, sampler, options);
    case 'lbfgs':
      return lbfgs(net, train, options);
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

/** Full-batch L-BFGS on all weights; `lr` sets the length of the very first step only. */
function lbfgs(net: TrainingKernel, train: Recipe, options: ResolvedTrainerOptions): Method {
  const solver = new Lbfgs(
    Float64Array.from(net.readParams()),
    (x, grad) => {
      net.writeParams(x);
      const loss = net.lossGradient(train.loss, true);
      net.readGradient(grad);
      return loss;
    },
    { history: options.lbfgsHistory, firstStep: train.lr },
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
