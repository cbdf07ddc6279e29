/**
 * The 1-D warm start of `train.init: reference`: a width-m ReLU net on [0,1] is a continuous
 * piecewise-linear function with m pieces, so the best m-piece fit to the training samples is a
 * starting point that training only has to polish. The fit is the free-knot reference's
 * algorithm (shared/reference/free-knot.ts) with the training samples as the quadrature: knot
 * values by least squares (mse) or IRLS (l1), knots moved by equidistributing the per-piece L1
 * error^(1/3) (the density |f''|^(1/3) that minimises the L1 error of a C^2 target, estimated
 * from the residuals, never from the target), for a few rounds, keeping the round with the
 * lowest training loss. It uses the samples and nothing else.
 */
import { forward } from '../../shared/forward.js';
import type { NetworkWeights } from '../../shared/network.js';
import {
  distinctKnots,
  fitL1,
  searchKnots,
  uniformKnots,
  type Quadrature,
} from '../../shared/reference/free-knot.js';
import { padWithDeadUnits, ridgeProfileNetwork } from '../../shared/reference/piecewise-linear.js';
import type { TrainingData } from '../../shared/training-data.js';

/** Knot-search rounds (each one fit and one knot move); the free-knot reference uses 24. */
export const KNOT_ROUNDS = 24;
/** IRLS passes per L1 fit, as the free-knot reference. */
const L1_PASSES = 12;
/**
 * Fewest samples a piece may hold. The samples are the fit's only information: a piece without
 * any leaves its knot values undetermined (the tridiagonal solve's ridge pulls them to 0), and
 * equidistribution does create such pieces where the error concentrates (next to a
 * singularity, 1/n apart at best): at width 16 on `singular` that gave an L1 error of 900.
 */
export const MIN_SAMPLES_PER_PIECE = 2;

/** The samples sorted by x, each with weight 1/n: the empirical measure as a quadrature. */
export function sampleQuadrature(data: TrainingData): Quadrature {
  const order = Array.from({ length: data.n }, (_, i) => i).sort(
    (a, b) => (data.x[a] ?? 0) - (data.x[b] ?? 0),
  );
  const x = Float64Array.from(order, (i) => data.x[i] ?? 0);
  const f = Float64Array.from(order, (i) => data.y[i] ?? 0);
  return { x, w: new Float64Array(data.n).fill(1 / data.n), f };
}

/** The loss of the residuals on the quadrature: mean square (mse) or mean absolute (l1). */
function sampleLoss(q: Quadrature, residual: Float64Array, loss: 'mse' | 'l1'): number {
  let total = 0;
  for (let i = 0; i < residual.length; i++) {
    const r = residual[i] ?? 0;
    total += (q.w[i] ?? 0) * (loss === 'mse' ? r * r : Math.abs(r));
  }
  return total;
}

export interface KnotFit {
  /** Knots on [0, 1], ascending, distinct: the pieces are knots.length - 1 <= width. */
  readonly knots: Float64Array;
  /** The fit's value at each knot. */
  readonly values: Float64Array;
  /** Its training loss. */
  readonly loss: number;
}

/**
 * The m-piece continuous piecewise-linear fit to the samples of a 1-D single-output data set
 * (see the file comment), starting from uniform knots.
 */
export function fitKnotsToSamples(
  data: TrainingData,
  width: number,
  loss: 'mse' | 'l1',
  rounds = KNOT_ROUNDS,
): KnotFit {
  if (data.dim !== 1 || data.outputs !== 1) {
    throw new RangeError(`fitKnotsToSamples: expected 1-D single-output data, got d = ${data.dim}`);
  }
  const q = sampleQuadrature(data);
  // Least squares (IRLS pass 0 only) for mse; IRLS towards the L1 fit for l1.
  const passes = loss === 'mse' ? 0 : L1_PASSES;
  const found = searchKnots(
    width,
    rounds,
    (knots) => {
      const fit = fitL1(knots, q, passes);
      return { q, fit, score: sampleLoss(q, fit.residual, loss) };
    },
    (knots) => spaceBySamples(knots, q.x, MIN_SAMPLES_PER_PIECE),
  );
  return found === undefined
    ? { knots: uniformKnots(width), values: new Float64Array(width + 1), loss: Infinity }
    : { knots: found.knots, values: found.values, loss: found.score };
}

/**
 * The knots moved as little as possible so that every piece holds at least `count` of the sorted
 * samples `x`: interior knot k gets at least k x count samples to its left and (m - k) x count
 * to its right, a moved knot sitting halfway between two samples. Needs m x count <= n; with
 * fewer samples the knots are left as they are.
 */
export function spaceBySamples(knots: Float64Array, x: Float64Array, count: number): Float64Array {
  const m = knots.length - 1;
  const n = x.length;
  if (m * count > n) return knots;
  const out = Float64Array.from(knots);
  // Samples left of knot k (x < t), found by a merge since both are sorted.
  const left = new Int32Array(m + 1);
  let i = 0;
  for (let k = 0; k <= m; k++) {
    while (i < n && (x[i] ?? 0) < (out[k] ?? 0)) i++;
    left[k] = i;
  }
  const between = (a: number): number => Math.fround(((x[a - 1] ?? 0) + (x[a] ?? 1)) / 2);
  for (let k = 1; k < m; k++) {
    const lo = (left[k - 1] ?? 0) + count;
    const hi = n - (m - k) * count;
    const at = Math.min(Math.max(left[k] ?? 0, k === 1 ? count : lo), hi);
    if (at !== left[k]) {
      left[k] = at;
      out[k] = between(at);
    }
  }
  return distinctKnots(out).length === out.length ? out : knots;
}

/**
 * Every VALIDATION_EVERY-th training sample is held out from the warm start and the training
 * after it, to decide which of the two nets to keep (knotWarmStart). The samples are i.i.d., so
 * the index is as good as a random split.
 */
export const VALIDATION_EVERY = 8;

/** `data` without every `every`-th sample (fit) and those samples alone (validation). */
export function splitValidation(
  data: TrainingData,
  every = VALIDATION_EVERY,
): { fit: TrainingData; validation: TrainingData } {
  const pick = (held: boolean): TrainingData => {
    const rows: number[] = [];
    for (let p = 0; p < data.n; p++) if ((p % every === every - 1) === held) rows.push(p);
    const x = new Float32Array(rows.length * data.dim);
    const y = new Float32Array(rows.length * data.outputs);
    rows.forEach((p, r) => {
      x.set(data.x.subarray(p * data.dim, (p + 1) * data.dim), r * data.dim);
      y.set(data.y.subarray(p * data.outputs, (p + 1) * data.outputs), r * data.outputs);
    });
    return { n: rows.length, dim: data.dim, outputs: data.outputs, x, y };
  };
  return { fit: pick(false), validation: pick(true) };
}

/** Mean loss (mse or l1) of a regression net on a data set, in float64 on the CPU. */
export function dataLoss(net: NetworkWeights, data: TrainingData, loss: 'mse' | 'l1'): number {
  const g = forward(net, Float64Array.from(data.x), data.n);
  let total = 0;
  for (let i = 0; i < g.length; i++) {
    const r = (g[i] ?? 0) - (data.y[i] ?? 0);
    total += loss === 'mse' ? r * r : Math.abs(r);
  }
  return total / Math.max(g.length, 1);
}

/** A 1-D warm start: the net, the samples to train it on, and the held-out ones. */
export interface KnotWarmStart {
  readonly net: NetworkWeights;
  readonly loss: 'mse' | 'l1';
  /** The training samples minus the validation ones: the fit's and the training's data. */
  readonly fit: TrainingData;
  readonly validation: TrainingData;
}

/**
 * The warm start for 1-D single-output regression: the fit of fitKnotsToSamples on the
 * non-held-out samples as a width-m net, exactly (see ridgeProfileNetwork), or null where it
 * does not apply (d > 1, several outputs, softmax, cross-entropy, fewer than 2 validation
 * samples).
 */
export function knotWarmStart(
  init: NetworkWeights,
  data: TrainingData,
  loss: string,
): KnotWarmStart | null {
  if (init.dim !== 1 || init.outputs !== 1 || init.output !== 'linear') return null;
  if (loss !== 'mse' && loss !== 'l1') return null;
  const { fit, validation } = splitValidation(data);
  if (validation.n < 2) return null;
  const pieces = fitKnotsToSamples(fit, init.width, loss);
  const net = padWithDeadUnits(
    ridgeProfileNetwork(Float64Array.of(1), pieces, 'linear'),
    init.width,
  );
  return { net, loss, fit, validation };
}

/**
 * The l1 loss from the knot warm start: lbfgs stalls at once on its kinks and Adam takes over
 * (worker/train/methods.ts untilStalled). Next to a singularity the warm start has output weights
 * in the thousands, so Adam's steps of about lr on every hidden weight moved the output by far more
 * than the fit's error: `singular` (alpha 0.5), width 256, seed 2 went from loss 6.6e-3 to 1.4e4
 * in 10 steps and was stored as diverged at lr 0.01. At 0.3 lr (and at 0.1 lr) no seed diverged
 * at widths 8-512 and every other L1 stayed the same to three digits.
 */
export const KNOT_L1_FALLBACK_LR_SCALE = 0.3;

/**
 * The trained net or the warm start, whichever has the lower loss on the held-out samples: on
 * an L1 loss the optimizer can walk away from a graded fit (Adam's steps of ~lr per weight move
 * kinks spaced far closer than lr), and the held-out samples, unlike the training loss, do not
 * favour the net that fitted the training samples longer. Ties keep the trained net.
 */
export function keepBetter(start: KnotWarmStart, trained: NetworkWeights): NetworkWeights {
  const warm = dataLoss(start.net, start.validation, start.loss);
  return warm < dataLoss(trained, start.validation, start.loss) ? start.net : trained;
}
