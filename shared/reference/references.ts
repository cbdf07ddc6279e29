import { evaluateNetwork } from '../evaluate.js';
import type { NetworkWeights } from '../network.js';
import { gridPredictions } from '../predictions.js';
import type { GridPredictions } from '../predictions.js';
import type { ResolvedEvalSpec } from '../spec/schema.js';
import type { Target } from '../targets/target.js';
import type { TrainingData } from '../training-data.js';
import { fitFreeKnot } from './free-knot.js';
import type { FreeKnotOptions } from './free-knot.js';
import { fitGreedy } from './greedy.js';
import type { GreedyOptions } from './greedy.js';
import { interpolantNetwork } from './interpolant.js';
import { fitRandomFeatures } from './random-features.js';
import type { RandomFeatureOptions } from './random-features.js';
import type { ReferenceMethod, ReferenceResult } from './reference-result.js';
import { ridgeInterpolantNetwork } from './ridge-interpolant.js';
import { teacherReferenceNetwork } from './teacher.js';

export interface ReferenceOptions {
  readonly randomFeatures?: RandomFeatureOptions;
  readonly freeKnot?: FreeKnotOptions;
  readonly greedy?: GreedyOptions;
}

export interface ReferenceInput extends ReferenceOptions {
  readonly target: Target;
  /** The task's training data (one-hot labels for classification, untransformed). */
  readonly data: TrainingData;
  /** The task's initial network: its hidden layer is the random-feature reference's. */
  readonly init: NetworkWeights;
  readonly evalSpec: ResolvedEvalSpec;
  /** The evaluation seed the trained network was evaluated with, so the points are the same. */
  readonly evalSeed: number;
  /** The task seed: the greedy reference's extra points and dictionary derive from it. */
  readonly seed: number;
}

/** A reference network and what its fit reports beside the evaluation. */
interface Built {
  readonly net: NetworkWeights;
  readonly trainRmse?: number;
  readonly ridge?: number;
}

/**
 * The reference approximants of one task at its width, each evaluated on the trained network's
 * evaluation points with the same measure (one entry per method that applies):
 * - `random-features`: the initial hidden layer with a least-squares output layer (unless its
 *   cost exceeds randomFeatures.maxCost);
 * - `interpolant`: d = 1, bounded targets: the m-knot uniform interpolant;
 * - `free-knot`: d = 1 regression: the best free-knot m-piece fit in L1 (unless over
 *   freeKnot.maxCost);
 * - `ridge-interpolant`: ridge targets: the m-knot interpolant along w;
 * - `teacher`: the teacher target from width k on: the target itself;
 * - `greedy`: every target: orthogonal greedy with m ReLU atoms (unless over greedy.maxCost).
 * Classification references produce K outputs that are read as logits, so their unit-scale
 * softmax L1 depends on an arbitrary temperature; their sharpened L1 (-> 2 x misclassified
 * volume) does not, and is what the best reference is chosen by.
 */
export function computeReferences(input: ReferenceInput): ReferenceResult[] {
  const { target, data, evalSpec, evalSeed } = input;
  const output = target.kind === 'classification' ? 'softmax' : 'linear';
  const init: NetworkWeights = { ...input.init, output };
  const width = init.width;
  const results: ReferenceResult[] = [];
  const add = (method: ReferenceMethod, build: () => Built | null): void => {
    const start = performance.now();
    const built = build();
    if (built === null) return;
    results.push({
      method,
      metrics: evaluateNetwork(built.net, target, evalSpec, evalSeed),
      trainRmse: built.trainRmse ?? null,
      ridge: built.ridge ?? null,
      fitMs: performance.now() - start,
    });
  };
  add('random-features', () => {
    const fit = fitRandomFeatures(init, data, input.randomFeatures);
    return fit === null ? null : { net: fit.net, trainRmse: fit.trainRmse, ridge: fit.lambda };
  });
  add('interpolant', () => wrap(interpolantNetwork(target, width)));
  add('free-knot', () => wrap(fitFreeKnot(target, width, input.freeKnot)?.net ?? null));
  add('ridge-interpolant', () => wrap(ridgeInterpolantNetwork(target, width)));
  add('teacher', () => wrap(teacherReferenceNetwork(target, width)));
  add('greedy', () => {
    const fit = fitGreedy(target, data, width, input.seed, input.greedy);
    return fit === null ? null : { net: fit.net, trainRmse: fit.fitRmse };
  });
  return results;
}

const wrap = (net: NetworkWeights | null): Built | null => (net === null ? null : { net });

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
