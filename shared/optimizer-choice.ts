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

type Recipe = Pick<ResolvedTrainSpec, 'optimizer' | 'loss' | 'batch'>;

/** What the choice depends on besides the recipe. */
export interface NetShape {
  readonly dim: number;
  readonly width: number;
  /** Training points. */
  readonly samples: number;
}

/**
 * The optimizer a recipe trains a net of this shape with. `auto` picks per task kind from the
 * measurements in README "Performance": 1-D mse (regression, or the softmax construction) →
 * lsgd up to LSGD_MAX_WIDTH (3-10x lower L1 than lbfgs and adam on sine); everything else →
 * lbfgs (as accurate as lsgd in 2-D at a twentieth of the cost, better than lsgd in 4-D where an
 * exact least-squares fit overfits 1024 points, and better than adam for l1 and cross-entropy);
 * adam where the recipe asks for minibatches, which lbfgs cannot use. Other values pass through.
 */
export function chooseOptimizer(train: Recipe, net: NetShape): OptimizerName {
  if (train.optimizer !== 'auto') return train.optimizer;
  if (train.loss === 'mse' && net.dim === 1 && net.width <= LSGD_MAX_WIDTH) return 'lsgd';
  const minibatch = train.batch > 0 && train.batch < net.samples;
  return minibatch ? 'adam' : 'lbfgs';
}

/** The recipe with `auto` resolved for a net of `dim` and `width` (the same object when unchanged). */
export function withChosenOptimizer<T extends Recipe & Pick<ResolvedTrainSpec, 'samples'>>(
  train: T,
  dim: number,
  width: number,
): T {
  const optimizer = chooseOptimizer(train, { dim, width, samples: train.samples });
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
