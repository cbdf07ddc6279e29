import { ValidationError } from './errors.js';
import type { ResolvedTrainSpec } from './spec/schema.js';
import type { StudySpec } from './spec/study-spec.js';
import { getTargetDefinition } from './targets/registry.js';
import type { TargetRef } from './targets/target.js';

/** The optimizers a task can name once `auto` is resolved. */
export type OptimizerName = 'adam' | 'sgd' | 'lsgd' | 'lbfgs';

/**
 * Widest net `optimizer: auto` trains with lsgd. Its least-squares solve costs O(n m^2 + m^3)
 * per step against O(n m d) for a gradient step: in 1-D with 1024 samples one solve took 4.9 ms
 * at width 256 (33 gradient steps, 10-20 s for a 2000-step task) and a task at width 512 ~90 s,
 * so wider nets get lbfgs.
 */
export const LSGD_MAX_WIDTH = 256;

type Recipe = Pick<ResolvedTrainSpec, 'optimizer' | 'loss' | 'batch' | 'mode'> & {
  /** As the spec has it: absent = the default (the warm start for lbfgs and lsgd). */
  readonly init?: 'random' | 'reference' | undefined;
};

/** What the choice depends on besides the recipe. */
export interface NetShape {
  readonly dim: number;
  readonly width: number;
  /** Training points. */
  readonly samples: number;
  /** Network outputs. @default 1 */
  readonly outputs?: number;
}

/**
 * The optimizer a recipe trains a net of this shape with. `auto` picks per task kind from the
 * measurements in README "Performance": 1-D single-output mse regression with the warm start
 * (init not random, full batch) → lbfgs at every width: it starts from the m-piece fit to the
 * samples (worker/train/knot-init.ts), which lsgd's Adam steps on the hidden layer only undo
 * (same L1 on sine after the validation choice, 20x the time at width 256); other 1-D mse
 * (random init, several outputs, the softmax construction, minibatches) → lsgd up to
 * LSGD_MAX_WIDTH (3-10x lower L1 than lbfgs and adam on sine from a random start); else →
 * lbfgs (as accurate as lsgd in 2-D at a twentieth of the cost, better than lsgd in 4-D where an
 * exact least-squares fit overfits 1024 points, and better than adam for l1 and cross-entropy);
 * adam where the recipe asks for minibatches, which lbfgs cannot use. Other values pass through.
 */
export function chooseOptimizer(train: Recipe, net: NetShape): OptimizerName {
  if (train.optimizer !== 'auto') return train.optimizer;
  const minibatch = train.batch > 0 && train.batch < net.samples;
  if (train.loss === 'mse' && net.dim === 1) {
    const knotStart =
      train.init !== 'random' && (net.outputs ?? 1) === 1 && train.mode !== 'construction';
    if (knotStart && !minibatch) return 'lbfgs';
    if (net.width <= LSGD_MAX_WIDTH) return 'lsgd';
  }
  return minibatch ? 'adam' : 'lbfgs';
}

/**
 * The recipe with `auto` resolved for a net of `dim`, `width` and `outputs` (the same object when
 * unchanged); `init` is the spec's, which the recipe itself leaves out until it is resolved.
 */
export function withChosenOptimizer<T extends Recipe & Pick<ResolvedTrainSpec, 'samples'>>(
  train: T,
  shape: { dim: number; width: number; outputs: number },
  init: 'random' | 'reference' | undefined,
): T {
  const optimizer = chooseOptimizer({ ...train, init }, { ...shape, samples: train.samples });
  return optimizer === train.optimizer ? train : { ...train, optimizer };
}

/**
 * Spec-level checks of an explicitly named optimizer against the study's targets: lsgd fits the
 * output layer by least squares, which needs the mse loss; lbfgs needs full batches.
 */
export function optimizerIssues(
  train: StudySpec['train'],
  targets: readonly TargetRef[],
): ValidationError[] {
  const issues: ValidationError[] = [];
  // auto sizes the set to at least the batch: any batch > 0 is then a minibatch unless equal.
  const samples = train.samples === 'auto' ? Infinity : train.samples;
  const minibatch = train.batch > 0 && train.batch < samples;
  if (train.optimizer === 'lbfgs' && minibatch) {
    issues.push(
      new ValidationError('train.batch', `lbfgs trains full batch: expected 0, got ${train.batch}`),
    );
  }
  if (train.optimizer !== 'lsgd') return issues;
  targets.forEach((ref, index) => {
    const definition = getTargetDefinition(ref.name);
    if (definition === undefined) return;
    const constructionOnly = definition.kind === 'classification' && train.mode === 'construction';
    const loss = constructionOnly
      ? 'mse'
      : train.loss === 'auto'
        ? definition.defaultLoss
        : train.loss;
    if (loss !== 'mse') {
      issues.push(
        new ValidationError(
          'train.optimizer',
          `lsgd needs the mse loss, but grid.targets[${index}] ('${ref.name}') trains with ${loss}`,
        ),
      );
    }
  });
  return issues;
}
