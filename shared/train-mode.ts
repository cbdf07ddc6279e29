import {
  constructionNetwork,
  constructionTrainingData,
  DEFAULT_CONSTRUCTION_EPS,
} from './construction.js';
import type { NetworkWeights } from './network.js';
import type { ResolvedTrainSpec } from './spec/schema.js';
import type { StudySpec } from './spec/study-spec.js';
import type { LossName, TargetKind } from './targets/target.js';
import type { TrainingData } from './training-data.js';

/** How a task's network is trained: the recipe's own loss, or the paper's softmax construction. */
export type TrainMode = 'direct' | 'construction';

/**
 * A task recipe before it is sized for a net: `samples` may still be `auto` and `init` absent
 * (both resolved per dim and width by sizedRecipe in shared/expand.ts).
 */
export type UnsizedTrainSpec = Omit<ResolvedTrainSpec, 'samples' | 'init'> & {
  samples: number | 'auto';
  init?: 'random' | 'reference';
};

/** The mode a resolved recipe trains with (`mode` is absent for direct training). */
export function trainModeOf(train: Pick<ResolvedTrainSpec, 'mode'>): TrainMode {
  return train.mode === 'construction' ? 'construction' : 'direct';
}

/**
 * The task recipes one target gets from a study's train section: `loss: auto` resolved to the
 * target's loss, and for classification targets one recipe per requested mode (`both` gives
 * direct then construction). Direct recipes carry no `mode` or `eps` key at all, so their task
 * ids are the ids they had before training modes existed; a construction recipe trains with mse
 * and carries its eps (the default filled in, so spelling it out changes nothing).
 */
export function taskTrainRecipes(
  train: StudySpec['train'],
  kind: TargetKind,
  defaultLoss: LossName,
): UnsizedTrainSpec[] {
  const { mode, eps, loss, ...recipe } = train;
  const resolvedLoss = loss === 'auto' ? defaultLoss : loss;
  const direct: UnsizedTrainSpec = { ...recipe, loss: resolvedLoss };
  if (kind !== 'classification' || mode === undefined || mode === 'direct') return [direct];
  const construction: UnsizedTrainSpec = {
    ...recipe,
    loss: 'mse',
    mode: 'construction',
    eps: eps ?? DEFAULT_CONSTRUCTION_EPS,
  };
  return mode === 'both' ? [direct, construction] : [construction];
}

/** The data a task's network is trained on: the labels as sampled, or the construction's. */
export function trainingDataFor(
  train: Pick<ResolvedTrainSpec, 'mode'>,
  data: TrainingData,
): TrainingData {
  return trainModeOf(train) === 'construction' ? constructionTrainingData(data) : data;
}

/** The network a task evaluates: the trained one, or the construction's softmax network. */
export function evaluatedNetwork(
  train: Pick<ResolvedTrainSpec, 'mode' | 'eps'>,
  trained: NetworkWeights,
): NetworkWeights {
  if (trainModeOf(train) !== 'construction') return trained;
  return constructionNetwork(trained, train.eps ?? DEFAULT_CONSTRUCTION_EPS);
}

/** The output layer a task trains: the construction trains a linear one, softmax comes after. */
export function trainedOutput(
  train: Pick<ResolvedTrainSpec, 'mode'>,
  kind: TargetKind,
): 'linear' | 'softmax' {
  return kind === 'classification' && trainModeOf(train) === 'direct' ? 'softmax' : 'linear';
}
