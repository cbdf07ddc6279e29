import { checkNetworkShape, prepareForward } from './forward.js';
import type { ForwardPass } from './forward.js';
import type { NetworkWeights } from './network.js';
import { deriveSeed, Rng } from './random.js';
import type { EvalMetrics, TrainSetMetrics } from './result.js';
import { SobolSequence } from './sobol.js';
import type { ResolvedEvalSpec } from './spec/schema.js';
import type { ClassificationTarget, RegressionTarget, Target } from './targets/target.js';
import type { TrainingData } from './training-data.js';

/** Points per chunk: bounds memory at a few chunk x (dim + outputs) arrays, whatever eval.samples. */
const CHUNK = 4096;

/** Fills `count` points of the unit cube into `out`, continuing where the last call stopped. */
interface PointSource {
  fill(out: Float64Array, count: number): void;
}

function pointSource(sampler: 'sobol' | 'uniform', dims: number, seed: number): PointSource {
  if (sampler === 'sobol') return new SobolSequence(dims, seed);
  const rng = new Rng(seed);
  return {
    fill(out, count) {
      for (let i = 0; i < count * dims; i++) out[i] = rng.next();
    },
  };
}

/** Running sums over evaluation points; `sum` is per replicate, the rest over all points. */
interface Sums {
  sum: number;
  sumSquares: number;
  max: number;
  correct: number;
  sharpened: number;
}

function emptySums(): Sums {
  return { sum: 0, sumSquares: 0, max: 0, correct: 0, sharpened: 0 };
}

function isInCube(x: Float64Array, offset: number, dim: number): boolean {
  for (let i = 0; i < dim; i++) {
    const xi = x[offset + i] ?? Number.NaN;
    if (!(xi >= 0 && xi <= 1)) return false;
  }
  return true;
}

/** Adds |g - f| at `count` points of `x`, each weighted by weights[p] (1 when null). */
function addRegressionErrors(
  target: RegressionTarget,
  run: ForwardPass,
  x: Float64Array,
  weights: Float64Array | null,
  count: number,
  sums: Sums,
): void {
  const f = target.values(x, count);
  const g = run(x, count);
  for (let p = 0; p < count; p++) {
    const error = Math.abs((g[p] ?? 0) - (f[p] ?? 0));
    const weight = weights === null ? 1 : (weights[p] ?? 0);
    sums.sum += weight * error;
    sums.sumSquares += weight * error * error;
    if (error > sums.max) sums.max = error;
  }
}

/**
 * Regression chunk: |g - f| at each point. With an importance density the unit points are mapped
 * through it and each error is weighted by 1/q(x); points outside the cube contribute zero (but
 * still count in the mean, which is what makes the estimator unbiased).
 */
function addRegressionChunk(
  target: RegressionTarget,
  run: ForwardPass,
  unit: Float64Array,
  count: number,
  sums: Sums,
): void {
  const dim = target.dim;
  const importance = target.importance;
  if (importance === undefined) {
    addRegressionErrors(target, run, unit, null, count, sums);
    return;
  }
  const unitDims = importance.unitDims;
  const x = new Float64Array(count * dim);
  const weights = new Float64Array(count);
  const u = new Float64Array(unitDims);
  const point = new Float64Array(dim);
  let inside = 0;
  for (let p = 0; p < count; p++) {
    for (let i = 0; i < unitDims; i++) u[i] = unit[p * unitDims + i] ?? 0;
    importance.transform(u, point);
    if (!isInCube(point, 0, dim)) continue;
    const weight = 1 / importance.density(point);
    if (!(weight > 0 && Number.isFinite(weight))) continue;
    x.set(point, inside * dim);
    weights[inside] = weight;
    inside += 1;
  }
  addRegressionErrors(target, run, x, weights, inside, sums);
}

/**
 * The paper's softmax error at one point, sum_i |p_i - 1[i = c]| = 2 (1 - p_c), computed as
 * 2 sum_{i != c} p_i so that it stays accurate when p_c is within rounding of 1; also
 * sum_i (p_i - y_i)^2. Logits are scaled by `scale` and shifted by their maximum before exp.
 */
function softmaxErrors(
  logits: Float64Array,
  offset: number,
  classes: number,
  label: number,
  scale: number,
): { l1: number; squared: number } {
  let max = -Infinity;
  for (let i = 0; i < classes; i++) max = Math.max(max, logits[offset + i] ?? -Infinity);
  let others = 0;
  let othersSquared = 0;
  let own = 0;
  for (let i = 0; i < classes; i++) {
    const e = Math.exp(scale * ((logits[offset + i] ?? 0) - max));
    if (i === label) {
      own = e;
    } else {
      others += e;
      othersSquared += e * e;
    }
  }
  const total = own + others;
  const missing = others / total;
  return { l1: 2 * missing, squared: missing * missing + othersSquared / (total * total) };
}

function addClassificationChunk(
  target: ClassificationTarget,
  run: ForwardPass,
  x: Float64Array,
  count: number,
  sharpen: number,
  sums: Sums,
): void {
  const classes = target.outputs;
  const labels = target.labels(x, count);
  const logits = run(x, count);
  for (let p = 0; p < count; p++) {
    const offset = p * classes;
    const label = labels[p] ?? 0;
    const { l1, squared } = softmaxErrors(logits, offset, classes, label, 1);
    sums.sum += l1;
    sums.sumSquares += squared;
    if (l1 > sums.max) sums.max = l1;
    sums.sharpened += softmaxErrors(logits, offset, classes, label, sharpen).l1;
    let best = 0;
    for (let i = 1; i < classes; i++) {
      if ((logits[offset + i] ?? 0) > (logits[offset + best] ?? 0)) best = i;
    }
    if (best === label) sums.correct += 1;
  }
}

/** sqrt(mean squared error), or null for a target outside L2 (see RegressionTarget.inL2). */
function l2OrNull(target: Target, meanSquare: number): number | null {
  return target.kind === 'regression' && target.inL2 === false ? null : Math.sqrt(meanSquare);
}

function checkCompatible(net: NetworkWeights, target: Target): void {
  checkNetworkShape(net);
  const wantsSoftmax = target.kind === 'classification';
  if (
    net.dim !== target.dim ||
    net.outputs !== target.outputs ||
    wantsSoftmax !== (net.output === 'softmax')
  ) {
    throw new RangeError(
      `a ${net.output} network with dim ${net.dim} and ${net.outputs} outputs cannot be evaluated on ` +
        `${target.kind} target ${target.name} (dim ${target.dim}, ${target.outputs} outputs)`,
    );
  }
}

/**
 * Error of a network against its target over [0,1]^d, on evaluation points never used in
 * training. The points come in `spec.replicates` independent sets (scrambled Sobol sets, or
 * uniform batches) of samples / replicates points each, drawn from the streams
 * deriveSeed(seed, 'eval', r); l1Stderr is the spread of the replicate means / sqrt(replicates).
 * Targets with an importance density (singular ones) are integrated by importance sampling.
 * Classification uses the paper's measure sum_i |softmax_i(g) - 1[class = i]|, plus accuracy and
 * the same measure with logits scaled by spec.sharpen (-> 2 x misclassified as the scale grows).
 * Points are processed in chunks, so memory does not grow with spec.samples or the width.
 */
export function evaluateNetwork(
  net: NetworkWeights,
  target: Target,
  spec: ResolvedEvalSpec,
  seed: number,
): EvalMetrics {
  checkCompatible(net, target);
  const replicates = spec.replicates;
  if (!Number.isInteger(replicates) || replicates < 2) {
    throw new RangeError(`a standard error needs at least 2 replicates, got ${replicates}`);
  }
  const perReplicate = Math.max(1, Math.floor(spec.samples / replicates));
  const unitDims =
    target.kind === 'regression' && target.importance !== undefined
      ? target.importance.unitDims
      : target.dim;
  const run = prepareForward(net);
  const unit = new Float64Array(CHUNK * unitDims);
  const means = new Float64Array(replicates);
  const total = emptySums();
  for (let r = 0; r < replicates; r++) {
    const source = pointSource(spec.sampler, unitDims, deriveSeed(seed, 'eval', r));
    const sums = emptySums();
    for (let done = 0; done < perReplicate; done += CHUNK) {
      const count = Math.min(CHUNK, perReplicate - done);
      source.fill(unit, count);
      if (target.kind === 'regression') {
        addRegressionChunk(target, run, unit, count, sums);
      } else {
        addClassificationChunk(target, run, unit, count, spec.sharpen, sums);
      }
    }
    means[r] = sums.sum / perReplicate;
    total.sum += sums.sum;
    total.sumSquares += sums.sumSquares;
    total.max = Math.max(total.max, sums.max);
    total.correct += sums.correct;
    total.sharpened += sums.sharpened;
  }
  const points = perReplicate * replicates;
  const l1Error = total.sum / points;
  let spread = 0;
  for (const mean of means) spread += (mean - l1Error) ** 2;
  const l1Stderr = Math.sqrt(spread / (replicates - 1) / replicates);
  const classification = target.kind === 'classification';
  const accuracy = classification ? total.correct / points : null;
  return {
    l1Error,
    l1Stderr,
    l2Error: l2OrNull(target, total.sumSquares / points),
    maxError: total.max,
    accuracy,
    sharpenedL1: classification ? total.sharpened / points : null,
    misclassified: accuracy === null ? null : 1 - accuracy,
    evalPoints: points,
  };
}

/**
 * The same error measures as {@link evaluateNetwork} on the task's own training points: the mean
 * of |g - f| (classification: of the unit-scale softmax L1 against the true class), its root mean
 * square and maximum. Training points are uniform in the cube, so the means are unweighted, even
 * for targets that evaluation integrates by importance sampling. f is recomputed in float64 at the
 * stored (float32) points rather than read from the float32 labels.
 */
export function evaluateOnTrainingData(
  net: NetworkWeights,
  target: Target,
  data: TrainingData,
): TrainSetMetrics {
  checkCompatible(net, target);
  if (data.dim !== target.dim || data.n < 1) {
    throw new RangeError(
      `training data of dim ${data.dim} with ${data.n} points cannot be measured on ${target.name} (dim ${target.dim})`,
    );
  }
  const run = prepareForward(net);
  const sums = emptySums();
  const dim = target.dim;
  for (let done = 0; done < data.n; done += CHUNK) {
    const count = Math.min(CHUNK, data.n - done);
    const x = Float64Array.from(data.x.subarray(done * dim, (done + count) * dim));
    if (target.kind === 'regression') {
      addRegressionErrors(target, run, x, null, count, sums);
    } else {
      // The sharpened sum is not reported here; any scale would do.
      addClassificationChunk(target, run, x, count, 1, sums);
    }
  }
  return {
    l1Error: sums.sum / data.n,
    l2Error: l2OrNull(target, sums.sumSquares / data.n),
    maxError: sums.max,
    points: data.n,
  };
}
