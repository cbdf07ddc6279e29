import { ValidationError } from '../errors.js';
import type { NetworkWeights } from '../network.js';
import { deriveSeed, Rng } from '../random.js';
import { randomUnitVector } from '../targets/geometry.js';
import type { Target } from '../targets/target.js';
import type { TrainingData } from '../training-data.js';
import { targetValuesAt } from './interpolant.js';

export interface GreedyOptions {
  /**
   * Directions w in the dictionary (d >= 2; d = 1 has the one direction +1). Each direction
   * offers relu(w . x - b) and relu(b - w . x) with a kink at every fit point, so the dictionary
   * holds 2 x directions x points atoms. Unit: directions. @default 256
   */
  directions?: number;
  /** Directions scanned per greedy step, in rotation through the pool. @default 32 */
  directionsPerStep?: number;
  /**
   * Gradient steps that refine the scanned atom's direction and kink (d >= 2; in d = 1 the scan
   * is already exact over the fit points). Unit: steps. @default 12
   */
  refineSteps?: number;
  /**
   * Fit points per parameter: the fit uses max(training points, pointsPerParameter x
   * (m (d + 2) + 1)) points (each atom has a direction, a kink and an output weight), the training
   * points first and fresh uniform ones (from the task seed) after, so that the m atoms
   * approximate the target rather than interpolate a sample. Unit: points. @default 4
   */
  pointsPerParameter?: number;
  /** At most this many fit points (memory: points x (m + 1) float64 for the basis). @default 8192 */
  maxPoints?: number;
  /**
   * Fewer fit points (down to 2 (m + 1)), or no fit at all (null), when its cost
   * m x points x (directionsPerStep + m) multiply-adds would exceed this. Unit: multiply-adds.
   * @default 1e9 (about 1.5 s on an idle core here: width 512 with up to 3590 points; width 1024
   * is skipped)
   */
  maxCost?: number;
}

export interface ResolvedGreedyOptions {
  readonly directions: number;
  readonly directionsPerStep: number;
  readonly refineSteps: number;
  readonly pointsPerParameter: number;
  readonly maxPoints: number;
  readonly maxCost: number;
}

export function resolveGreedyOptions(options: GreedyOptions = {}): ResolvedGreedyOptions {
  const positiveInt = (field: keyof GreedyOptions, fallback: number): number => {
    const value = options[field] ?? fallback;
    if (!Number.isInteger(value) || value < 1) {
      throw new ValidationError(field, `expected a positive integer, got ${value}`);
    }
    return value;
  };
  const maxCost = options.maxCost ?? 1e9;
  if (!(maxCost > 0)) {
    throw new ValidationError('maxCost', `expected a positive number, got ${maxCost}`);
  }
  return {
    directions: positiveInt('directions', 256),
    directionsPerStep: positiveInt('directionsPerStep', 32),
    refineSteps: positiveInt('refineSteps', 12),
    pointsPerParameter: positiveInt('pointsPerParameter', 4),
    maxPoints: positiveInt('maxPoints', 8192),
    maxCost,
  };
}

/** The number of fit points for width m, or 0 when even 2 (m + 1) would cost too much. */
export function greedyPoints(
  n: number,
  dim: number,
  width: number,
  options: ResolvedGreedyOptions,
): number {
  const parameters = width * (dim + 2) + 1;
  const wanted = Math.min(options.maxPoints, Math.max(n, options.pointsPerParameter * parameters));
  const perPoint = width * (options.directionsPerStep + width);
  const affordable = Math.min(wanted, Math.floor(options.maxCost / perPoint));
  return affordable >= 2 * (width + 1) ? affordable : 0;
}

/** Fit points: the training points, then fresh uniform ones; values or one-hot labels. */
function fitPoints(
  target: Target,
  data: TrainingData,
  count: number,
  seed: number,
): { x: Float64Array; y: Float64Array } {
  const dim = target.dim;
  const x = new Float64Array(count * dim);
  const fromData = Math.min(count, data.n);
  for (let i = 0; i < fromData * dim; i++) x[i] = data.x[i] ?? 0;
  const rng = new Rng(deriveSeed(seed, 'greedy-points'));
  for (let i = fromData * dim; i < count * dim; i++) x[i] = rng.next();
  return { x, y: targetValuesAt(target, x) };
}

/** One dictionary direction: float32 w, the projections w . x sorted, and suffix sums of them. */
interface Direction {
  readonly w: Float32Array;
  readonly order: Int32Array;
  readonly s: Float64Array;
  /** suffix[t] = sum over sorted positions > t of s, of s^2 (s1, s2). */
  readonly s1: Float64Array;
  readonly s2: Float64Array;
}

/** argsort by packing a 31-bit quantised key and a 20-bit index into one exact float64. */
function sortedOrder(values: Float64Array): Int32Array {
  let low = Infinity;
  let high = -Infinity;
  for (const v of values) {
    low = Math.min(low, v);
    high = Math.max(high, v);
  }
  const scale = high > low ? (2 ** 31 - 1) / (high - low) : 0;
  const keys = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    keys[i] = Math.floor(((values[i] ?? 0) - low) * scale) * 2 ** 20 + i;
  }
  keys.sort();
  const order = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) order[i] = (keys[i] ?? 0) % 2 ** 20;
  return order;
}

function makeDirection(w: Float32Array, x: Float64Array, n: number): Direction {
  const dim = w.length;
  const projections = new Float64Array(n);
  for (let p = 0; p < n; p++) {
    let dot = 0;
    for (let i = 0; i < dim; i++) dot += (w[i] ?? 0) * (x[p * dim + i] ?? 0);
    projections[p] = dot;
  }
  const order = sortedOrder(projections);
  const s = new Float64Array(n);
  for (let t = 0; t < n; t++) s[t] = projections[order[t] ?? 0] ?? 0;
  const s1 = new Float64Array(n);
  const s2 = new Float64Array(n);
  let a = 0;
  let b = 0;
  for (let t = n - 1; t >= 0; t--) {
    s1[t] = a;
    s2[t] = b;
    const v = s[t] ?? 0;
    a += v;
    b += v * v;
  }
  return { w, order, s, s1, s2 };
}

function dictionary(dim: number, x: Float64Array, n: number, count: number, seed: number) {
  if (dim === 1) return [makeDirection(Float32Array.of(1), x, n)];
  const rng = new Rng(deriveSeed(seed, 'greedy-directions'));
  const out: Direction[] = [];
  for (let j = 0; j < count; j++) {
    out.push(makeDirection(Float32Array.from(randomUnitVector(rng, dim)), x, n));
  }
  return out;
}

/** The best atom of one scan: direction, kink value b, orientation (+1: relu(s - b)), score. */
interface Choice {
  direction: Direction;
  b: number;
  sign: 1 | -1;
  score: number;
}

/**
 * Scans every kink of one direction in both orientations for the atom g maximising
 * sum_c <r_c, g>^2 / ||g - mean g||^2 (the residual is orthogonal to the constant, so this is the
 * squared correlation of the centred, normalised atom): suffix sums of r and r s over the sorted
 * projections give all of them in O(points x outputs).
 */
function scanDirection(
  d: Direction,
  r: Float64Array,
  n: number,
  k: number,
  buffer: Float64Array,
  best: Choice,
): void {
  const { order, s, s1, s2 } = d;
  const totals0 = new Float64Array(k);
  const totals1 = new Float64Array(k);
  for (let t = 0; t < n; t++) {
    const row = (order[t] ?? 0) * k;
    const st = s[t] ?? 0;
    for (let c = 0; c < k; c++) {
      const v = r[row + c] ?? 0;
      buffer[t * k + c] = v;
      totals0[c] = (totals0[c] ?? 0) + v;
      totals1[c] = (totals1[c] ?? 0) + v * st;
    }
  }
  const sumS = (s1[0] ?? 0) + (s[0] ?? 0);
  const sumS2 = (s2[0] ?? 0) + (s[0] ?? 0) ** 2;
  const r0 = new Float64Array(k);
  const r1 = new Float64Array(k);
  const floor = 1e-12 * n;
  for (let t = n - 1; t >= 0; t--) {
    const b = s[t] ?? 0;
    const count = n - 1 - t;
    const a1 = s1[t] ?? 0;
    const a2 = s2[t] ?? 0;
    // Suffix atom relu(s - b): active on sorted positions > t.
    const sufMean = (a1 - b * count) / n;
    const sufNorm = a2 - 2 * b * a1 + b * b * count - n * sufMean * sufMean;
    // Prefix atom relu(b - s) = relu(s - b) - (s - b): active on positions < t.
    const p1 = sumS - a1 - b;
    const p2 = sumS2 - a2 - b * b;
    const preMean = (b * t - p1) / n;
    const preNorm = b * b * t - 2 * b * p1 + p2 - n * preMean * preMean;
    let suf = 0;
    let pre = 0;
    for (let c = 0; c < k; c++) {
      const corr = (r1[c] ?? 0) - b * (r0[c] ?? 0);
      suf += corr * corr;
      const corrPre = corr - ((totals1[c] ?? 0) - b * (totals0[c] ?? 0));
      pre += corrPre * corrPre;
      r0[c] = (r0[c] ?? 0) + (buffer[t * k + c] ?? 0);
      r1[c] = (r1[c] ?? 0) + (buffer[t * k + c] ?? 0) * b;
    }
    if (sufNorm > floor && suf / sufNorm > best.score) {
      best.score = suf / sufNorm;
      best.direction = d;
      best.b = b;
      best.sign = 1;
    }
    if (preNorm > floor && pre / preNorm > best.score) {
      best.score = pre / preNorm;
      best.direction = d;
      best.b = b;
      best.sign = -1;
    }
  }
}

/** The chosen atom as a hidden unit relu(w . x + bias) with float32 weights, and its values. */
function atomColumn(
  atom: Atom,
  x: Float64Array,
  n: number,
  column: Float64Array,
): { w: Float32Array; bias: number } {
  const dim = atom.w.length;
  const w = Float32Array.from(atom.w);
  const bias = Math.fround(-atom.b);
  for (let p = 0; p < n; p++) {
    let pre = bias;
    for (let i = 0; i < dim; i++) pre += (w[i] ?? 0) * (x[p * dim + i] ?? 0);
    column[p] = pre > 0 ? pre : 0;
  }
  return { w, bias };
}

/** An atom relu(w . x - b) in float64, w a unit vector. */
interface Atom {
  w: Float64Array;
  b: number;
}

/**
 * The score of an atom, sum_c <r_c, g>^2 / ||g - mean g||^2, and its gradient with respect to
 * (w, b), from one pass over the points (only active points contribute).
 */
function atomScore(
  atom: Atom,
  x: Float64Array,
  r: Float64Array,
  n: number,
  k: number,
  grad: Float64Array,
): number {
  const dim = atom.w.length;
  const corr = new Float64Array(k);
  const dCorr = new Float64Array(k * (dim + 1));
  const dSum = new Float64Array(dim + 1);
  const dSquares = new Float64Array(dim + 1);
  let sum = 0;
  let squares = 0;
  for (let p = 0; p < n; p++) {
    let pre = -atom.b;
    for (let i = 0; i < dim; i++) pre += (atom.w[i] ?? 0) * (x[p * dim + i] ?? 0);
    if (pre <= 0) continue;
    sum += pre;
    squares += pre * pre;
    for (let i = 0; i <= dim; i++) {
      const dg = i < dim ? (x[p * dim + i] ?? 0) : -1;
      dSum[i] = (dSum[i] ?? 0) + dg;
      dSquares[i] = (dSquares[i] ?? 0) + 2 * pre * dg;
      for (let c = 0; c < k; c++) {
        dCorr[c * (dim + 1) + i] = (dCorr[c * (dim + 1) + i] ?? 0) + (r[p * k + c] ?? 0) * dg;
      }
    }
    for (let c = 0; c < k; c++) corr[c] = (corr[c] ?? 0) + (r[p * k + c] ?? 0) * pre;
  }
  const norm = squares - (sum * sum) / n;
  if (!(norm > 1e-12 * n)) return 0;
  let numerator = 0;
  for (const v of corr) numerator += v * v;
  const score = numerator / norm;
  for (let i = 0; i <= dim; i++) {
    let dNumerator = 0;
    for (let c = 0; c < k; c++) dNumerator += 2 * (corr[c] ?? 0) * (dCorr[c * (dim + 1) + i] ?? 0);
    const dNorm = (dSquares[i] ?? 0) - (2 * sum * (dSum[i] ?? 0)) / n;
    grad[i] = (dNumerator - score * dNorm) / norm;
  }
  return score;
}

/**
 * Moves the scanned atom's direction and kink uphill on its score (gradient ascent with a step
 * that doubles on success and halves on failure, w kept a unit vector): the dictionary's random
 * directions are only a start, and in d >= 2 the direction a target needs (w of a ridge) is
 * rarely among them.
 */
function refineAtom(
  start: Atom,
  x: Float64Array,
  r: Float64Array,
  n: number,
  k: number,
  steps: number,
): Atom {
  const dim = start.w.length;
  const grad = new Float64Array(dim + 1);
  const trialGrad = new Float64Array(dim + 1);
  let atom: Atom = { w: Float64Array.from(start.w), b: start.b };
  let score = atomScore(atom, x, r, n, k, grad);
  let step = 0.05;
  for (let s = 0; s < steps && score > 0; s++) {
    let gradNorm = 0;
    for (const g of grad) gradNorm += g * g;
    gradNorm = Math.sqrt(gradNorm);
    if (!(gradNorm > 0)) break;
    const w = new Float64Array(dim);
    let length = 0;
    for (let i = 0; i < dim; i++) {
      w[i] = (atom.w[i] ?? 0) + (step * (grad[i] ?? 0)) / gradNorm;
      length += (w[i] ?? 0) ** 2;
    }
    length = Math.sqrt(length);
    for (let i = 0; i < dim; i++) w[i] = (w[i] ?? 0) / length;
    const trial: Atom = { w, b: (atom.b + (step * (grad[dim] ?? 0)) / gradNorm) / length };
    const trialScore = atomScore(trial, x, r, n, k, trialGrad);
    if (trialScore > score) {
      atom = trial;
      score = trialScore;
      grad.set(trialGrad);
      step *= 2;
    } else {
      step /= 2;
    }
  }
  return atom;
}

function squaredNorm(a: Float64Array, n: number): number {
  let sum = 0;
  for (let p = 0; p < n; p++) sum += (a[p] ?? 0) ** 2;
  return sum;
}

/** Orthogonalises column a against the first `cols` columns of q (twice, for stability). */
function orthogonalise(
  q: Float64Array,
  n: number,
  cols: number,
  a: Float64Array,
  rColumn: Float64Array,
): number {
  rColumn.fill(0, 0, cols + 1);
  let before = Math.sqrt(squaredNorm(a, n));
  let norm = 0;
  // "Twice is enough" (Giraud et al.): a second pass only when the first cancelled a lot.
  for (let pass = 0; pass < 2; pass++) {
    if (pass === 1 && norm >= 0.7 * before) break;
    if (pass === 1) before = norm;
    for (let j = 0; j < cols; j++) {
      const base = j * n;
      let dot = 0;
      for (let p = 0; p < n; p++) dot += (q[base + p] ?? 0) * (a[p] ?? 0);
      for (let p = 0; p < n; p++) a[p] = (a[p] ?? 0) - dot * (q[base + p] ?? 0);
      rColumn[j] = (rColumn[j] ?? 0) + dot;
    }
    norm = Math.sqrt(squaredNorm(a, n));
  }
  return norm;
}

export interface GreedyFit {
  readonly net: NetworkWeights;
  /** Root mean squared residual at the fit points. */
  readonly fitRmse: number;
  /** The number of fit points. */
  readonly points: number;
}

/**
 * The greedy reference: the orthogonal greedy algorithm (Siegel & Xu's OGA for shallow ReLU
 * networks) over a dictionary of ReLU ridge atoms relu(+-(w . x - b)), with `directions` random
 * unit directions and a kink at every fit point along each. Starting from the constant, each
 * step adds the atom most correlated with the residual (normalised, centred), orthogonalises it
 * against the atoms chosen so far (incremental Gram-Schmidt, so nothing is refitted from
 * scratch) and projects it out of the residual; after m steps the output layer is the least
 * squares fit on the chosen atoms, by back substitution. Classification fits the one-hot labels
 * (atoms scored by the sum of squared correlations over classes) and reads them as logits.
 * Deterministic in `seed`. Null when {@link greedyPoints} finds the fit too costly.
 */
export function fitGreedy(
  target: Target,
  data: TrainingData,
  width: number,
  seed: number,
  options: GreedyOptions = {},
): GreedyFit | null {
  const resolved = resolveGreedyOptions(options);
  const n = greedyPoints(data.n, target.dim, width, resolved);
  if (n === 0) return null;
  const dim = target.dim;
  const k = target.outputs;
  const { x, y } = fitPoints(target, data, n, seed);
  const pool = dictionary(dim, x, n, resolved.directions, seed);
  const perStep = Math.min(pool.length, resolved.directionsPerStep);
  const p = width + 1;
  const q = new Float64Array(n * p);
  const rMatrix = new Float64Array(p * p);
  const z = new Float64Array(p * k);
  const residual = Float64Array.from(y);
  const column = new Float64Array(n);
  const rColumn = new Float64Array(p);
  const buffer = new Float64Array(n * k);
  const w1 = new Float32Array(width * dim);
  const b1 = new Float32Array(width);

  // Column 0: the constant, i.e. the output bias.
  column.fill(1);
  let cols = 0;
  const addColumn = (): boolean => {
    const norm = orthogonalise(q, n, cols, column, rColumn);
    if (!(norm > 1e-10 * Math.sqrt(n))) return false;
    rColumn[cols] = norm;
    for (let j = 0; j <= cols; j++) rMatrix[j * p + cols] = rColumn[j] ?? 0;
    const base = cols * n;
    for (let s = 0; s < n; s++) q[base + s] = (column[s] ?? 0) / norm;
    for (let c = 0; c < k; c++) {
      let dot = 0;
      for (let s = 0; s < n; s++) dot += (q[base + s] ?? 0) * (residual[s * k + c] ?? 0);
      for (let s = 0; s < n; s++) {
        residual[s * k + c] = (residual[s * k + c] ?? 0) - dot * (q[base + s] ?? 0);
      }
      z[cols * k + c] = dot;
    }
    cols += 1;
    return true;
  };
  addColumn();
  let rotation = 0;
  for (let unit = 0; unit < width; unit++) {
    const best: Choice = { direction: pool[0] as Direction, b: 0, sign: 1, score: 0 };
    for (let i = 0; i < perStep; i++) {
      const d = pool[(rotation + i) % pool.length];
      if (d !== undefined) scanDirection(d, residual, n, k, buffer, best);
    }
    rotation = (rotation + perStep) % pool.length;
    if (!(best.score > 0)) break;
    const scanned: Atom = {
      w: Float64Array.from(best.direction.w, (v) => v * best.sign),
      b: best.sign * best.b,
    };
    const atom = dim === 1 ? scanned : refineAtom(scanned, x, residual, n, k, resolved.refineSteps);
    const { w, bias } = atomColumn(atom, x, n, column);
    if (!addColumn()) break;
    w1.set(w, (cols - 2) * dim);
    b1[cols - 2] = bias;
  }
  // Back substitution R c = z; units never chosen keep zero weights (dead, relu(0) = 0).
  const coef = new Float64Array(p * k);
  for (let c = 0; c < k; c++) {
    for (let j = cols - 1; j >= 0; j--) {
      let sum = z[j * k + c] ?? 0;
      for (let i = j + 1; i < cols; i++) sum -= (rMatrix[j * p + i] ?? 0) * (coef[i * k + c] ?? 0);
      coef[j * k + c] = sum / (rMatrix[j * p + j] ?? 1);
    }
  }
  const w2 = new Float32Array(k * width);
  const b2 = new Float32Array(k);
  for (let c = 0; c < k; c++) {
    b2[c] = coef[c] ?? 0;
    for (let j = 1; j < cols; j++) w2[c * width + j - 1] = coef[j * k + c] ?? 0;
  }
  let squared = 0;
  for (const v of residual) squared += v * v;
  const output = target.kind === 'classification' ? 'softmax' : 'linear';
  return {
    net: { dim, width, outputs: k, output, w1, b1, w2, b2 },
    fitRmse: Math.sqrt(squared / (n * k)),
    points: n,
  };
}
