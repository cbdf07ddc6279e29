import { evaluateNetwork } from '../evaluate.js';
import type { NetworkWeights } from '../network.js';
import { gridPredictions } from '../predictions.js';
import type { GridPredictions } from '../predictions.js';
import type { ResolvedEvalSpec } from '../spec/schema.js';
import type { Target } from '../targets/target.js';
import type { TrainingData } from '../training-data.js';
import { interpolantNetwork } from './interpolant.js';
import { fitRandomFeatures } from './random-features.js';
import type { RandomFeatureOptions } from './random-features.js';
import type { ReferenceResult } from './reference-result.js';

export interface ReferenceInput {
  readonly target: Target;
  /** The task's training data (one-hot labels for classification, untransformed). */
  readonly data: TrainingData;
  /** The task's initial network: its hidden layer is the random-feature reference's. */
  readonly init: NetworkWeights;
  readonly evalSpec: ResolvedEvalSpec;
  /** The evaluation seed the trained network was evaluated with, so the points are the same. */
  readonly evalSeed: number;
  readonly randomFeatures?: RandomFeatureOptions;
}

/**
 * The reference approximants of one task, each evaluated on the trained network's evaluation
 * points: the random-feature network (always, unless its least-squares fit would cost more than
 * randomFeatures.maxCost) and, in d = 1 for bounded targets, the m-knot piecewise-linear
 * interpolant. For classification targets both produce K outputs that are read as logits, so
 * their unit-scale softmax L1 depends on an arbitrary temperature; their sharpened L1 does not.
 */
export function computeReferences(input: ReferenceInput): ReferenceResult[] {
  const { target, data, evalSpec, evalSeed } = input;
  const output = target.kind === 'classification' ? 'softmax' : 'linear';
  const init: NetworkWeights = { ...input.init, output };
  const results: ReferenceResult[] = [];

  let start = performance.now();
  const fit = fitRandomFeatures(init, data, input.randomFeatures);
  if (fit !== null) {
    const metrics = evaluateNetwork(fit.net, target, evalSpec, evalSeed);
    results.push({
      method: 'random-features',
      metrics,
      trainRmse: fit.trainRmse,
      ridge: fit.lambda,
      fitMs: performance.now() - start,
    });
  }

  start = performance.now();
  const interpolant = interpolantNetwork(target, init.width);
  if (interpolant !== null) {
    results.push({
      method: 'interpolant',
      metrics: evaluateNetwork(interpolant, target, evalSpec, evalSeed),
      trainRmse: null,
      ridge: null,
      fitMs: performance.now() - start,
    });
  }
  return results;
}

export interface TaskExtrasInput extends ReferenceInput {
  /** The network the task evaluated (after the construction's scaling, if any). */
  readonly net: NetworkWeights;
}

/** What a done outcome carries beside its metrics: references and grid predictions. */
export function taskExtras(input: TaskExtrasInput): {
  references: ReferenceResult[];
  predictions: GridPredictions | null;
} {
  return { references: computeReferences(input), predictions: gridPredictions(input.net) };
}
