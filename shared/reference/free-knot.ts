import { ValidationError } from '../errors.js';
import type { NetworkWeights } from '../network.js';
import type { RegressionTarget, Target } from '../targets/target.js';
import { padWithDeadUnits, ridgeProfileNetwork } from './piecewise-linear.js';

export interface FreeKnotOptions {
  /** Knot equidistribution rounds (each: an L1 fit, then new knots). Unit: rounds. @default 24 */
  rounds?: number;
  /** Iteratively reweighted least-squares passes per L1 fit. Unit: passes. @default 12 */
  irlsPasses?: number;
  /**
   * Quadrature cells per piece before adaptive refinement (2 Gauss points each): resolves
   * |f - g| inside every piece. Unit: cells. @default 16
   */
  cellsPerPiece?: number;
  /**
   * Budget of the local knot refinement after the rounds: it stops once its refits have visited
   * this many quadrature points (counting passes), so small widths are refined to convergence
   * and large ones partly. Unit: point visits. @default 2e7
   */
  refineCost?: number;
  /**
   * Skip the fit (null) when rounds x irlsPasses x quadrature points exceeds this.
   * Unit: point visits. @default 2e8 (width 4096: 1.6e8, a few seconds)
   */
  maxCost?: number;
}

export interface ResolvedFreeKnotOptions {
  readonly rounds: number;
  readonly irlsPasses: number;
  readonly cellsPerPiece: number;
  readonly refineCost: number;
  readonly maxCost: number;
}

export function resolveFreeKnotOptions(options: FreeKnotOptions = {}): ResolvedFreeKnotOptions {
  const positiveInt = (field: keyof FreeKnotOptions, fallback: number): number => {
    const value = options[field] ?? fallback;
    if (!Number.isInteger(value) || value < 1) {
      throw new ValidationError(field, `expected a positive integer, got ${value}`);
    }
    return value;
  };
  const maxCost = options.maxCost ?? 2e8;
  if (!(maxCost > 0)) {
    throw new ValidationError('maxCost', `expected a positive number, got ${maxCost}`);
  }
  const refineCost = options.refineCost ?? 2e7;
  if (!(refineCost >= 0)) {
    throw new ValidationError('refineCost', `expected a number >= 0, got ${refineCost}`);
  }
  return {
    rounds: positiveInt('rounds', 24),
    irlsPasses: positiveInt('irlsPasses', 12),
    cellsPerPiece: positiveInt('cellsPerPiece', 16),
    refineCost,
    maxCost,
  };
}

/** Quadrature of [0,1]: sorted points, weights, and f there. */
export interface Quadrature {
  readonly x: Float64Array;
  readonly w: Float64Array;
  readonly f: Float64Array;
}

/** Gauss-Legendre 2-point offset from the cell centre, in half-widths. */
const GAUSS = 1 / Math.sqrt(3);
/** Adaptive refinement stops below this change of a cell's integral (targets are O(1)). */
const REFINE_TOLERANCE = 1e-10;
/** Deepest refinement below the initial cells: 2^-40 of a cell, far below float32 knots. */
const MAX_DEPTH = 40;

/**
 * Cell edges of [0,1]: `cells` uniform cells, each split further while halving it changes its
 * 2-point Gauss integral by more than REFINE_TOLERANCE, so cells shrink towards kinks, steps and
 * singularities and stay as they are where f is smooth. f is only evaluated at Gauss points, never
 * at an edge, so a singularity at a dyadic point (the default centre 1/2) is never hit.
 */
function adaptiveEdges(target: RegressionTarget, cells: number): Float64Array {
  const edges: number[] = [0];
  const two = new Float64Array(2);
  const integral = (a: number, h: number): number => {
    two[0] = a + h * 0.5 * (1 - GAUSS);
    two[1] = a + h * 0.5 * (1 + GAUSS);
    const v = target.values(two, 2);
    return (h / 2) * ((v[0] ?? 0) + (v[1] ?? 0));
  };
  const visit = (a: number, h: number, whole: number, depth: number): void => {
    if (depth < MAX_DEPTH) {
      const left = integral(a, h / 2);
      const right = integral(a + h / 2, h / 2);
      if (Math.abs(whole - left - right) > REFINE_TOLERANCE) {
        visit(a, h / 2, left, depth + 1);
        visit(a + h / 2, h / 2, right, depth + 1);
        return;
      }
    }
    edges.push(a + h);
  };
  for (let c = 0; c < cells; c++) visit(c / cells, 1 / cells, integral(c / cells, 1 / cells), 0);
  edges[edges.length - 1] = 1;
  return Float64Array.from(edges);
}

/**
 * 2-point Gauss quadrature on the common refinement of the cell edges and the knots: every piece
 * gets points however narrow it is (graded pieces next to a singularity are far narrower than
 * the cells there), and no segment straddles a kink of g.
 */
function quadratureOn(target: RegressionTarget, edges: Float64Array, knots: Float64Array) {
  const cuts: number[] = [];
  let i = 0;
  let j = 0;
  while (i < edges.length || j < knots.length) {
    const e = edges[i] ?? Infinity;
    const t = knots[j] ?? Infinity;
    const next = Math.min(e, t);
    if (e === next) i++;
    if (t === next) j++;
    if (cuts.length === 0 || next > (cuts[cuts.length - 1] ?? 0)) cuts.push(next);
  }
  const segments = cuts.length - 1;
  const x = new Float64Array(2 * segments);
  const w = new Float64Array(2 * segments);
  for (let s = 0; s < segments; s++) {
    const a = cuts[s] ?? 0;
    const h = (cuts[s + 1] ?? 0) - a;
    x[2 * s] = a + h * 0.5 * (1 - GAUSS);
    x[2 * s + 1] = a + h * 0.5 * (1 + GAUSS);
    w[2 * s] = h / 2;
    w[2 * s + 1] = h / 2;
  }
  return { x, w, f: target.values(x, x.length) };
}

/** piece[i] = j with knots[j] <= x[i] < knots[j + 1] (the last piece is closed). */
function locate(knots: Float64Array, x: Float64Array, piece: Int32Array): void {
  const last = knots.length - 2;
  let j = 0;
  for (let i = 0; i < x.length; i++) {
    const xi = x[i] ?? 0;
    while (j < last && xi >= (knots[j + 1] ?? 1)) j++;
    piece[i] = j;
  }
}

/** g at each quadrature point for knot values v. */
function evaluatePieces(
  knots: Float64Array,
  v: Float64Array,
  q: Quadrature,
  piece: Int32Array,
  g: Float64Array,
): void {
  for (let i = 0; i < q.x.length; i++) {
    const j = piece[i] ?? 0;
    const t0 = knots[j] ?? 0;
    const h = (knots[j + 1] ?? 1) - t0;
    const lambda = h > 0 ? ((q.x[i] ?? 0) - t0) / h : 0;
    g[i] = (1 - lambda) * (v[j] ?? 0) + lambda * (v[j + 1] ?? 0);
  }
}

/**
 * The continuous piecewise-linear fit with the given knots that minimises the quadrature's
 * sum w_i |f_i - g(x_i)|, by iteratively reweighted least squares in the hat basis (each point
 * touches two hats, so every pass is one tridiagonal solve). Starts from the least-squares fit;
 * each pass majorises the L1 objective, so it never increases. Returns the knot values and the
 * objective.
 */
export function fitL1(
  knots: Float64Array,
  q: Quadrature,
  passes: number,
): { values: Float64Array; l1: number; residual: Float64Array } {
  const n = q.x.length;
  const p = knots.length;
  const piece = new Int32Array(n);
  locate(knots, q.x, piece);
  const lambdas = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const j = piece[i] ?? 0;
    const t0 = knots[j] ?? 0;
    const h = (knots[j + 1] ?? 1) - t0;
    lambdas[i] = h > 0 ? ((q.x[i] ?? 0) - t0) / h : 0;
  }
  const u = Float64Array.from(q.w);
  const diag = new Float64Array(p);
  const off = new Float64Array(p);
  const rhs = new Float64Array(p);
  const values = new Float64Array(p);
  const g = new Float64Array(n);
  const residual = new Float64Array(n);
  let scale = 0;
  for (let i = 0; i < n; i++) scale += (q.w[i] ?? 0) * Math.abs(q.f[i] ?? 0);
  const delta = Math.max(scale, 1e-300) * 1e-12;
  let l1 = Infinity;
  for (let pass = 0; pass <= passes; pass++) {
    diag.fill(0);
    off.fill(0);
    rhs.fill(0);
    for (let i = 0; i < n; i++) {
      const j = piece[i] ?? 0;
      const l = lambdas[i] ?? 0;
      const ui = u[i] ?? 0;
      const fi = q.f[i] ?? 0;
      diag[j] = (diag[j] ?? 0) + ui * (1 - l) * (1 - l);
      diag[j + 1] = (diag[j + 1] ?? 0) + ui * l * l;
      off[j] = (off[j] ?? 0) + ui * (1 - l) * l;
      rhs[j] = (rhs[j] ?? 0) + ui * (1 - l) * fi;
      rhs[j + 1] = (rhs[j + 1] ?? 0) + ui * l * fi;
    }
    solveTridiagonal(diag, off, rhs, values);
    evaluatePieces(knots, values, q, piece, g);
    let objective = 0;
    for (let i = 0; i < n; i++) {
      const r = (q.f[i] ?? 0) - (g[i] ?? 0);
      residual[i] = r;
      objective += (q.w[i] ?? 0) * Math.abs(r);
      u[i] = (q.w[i] ?? 0) / Math.max(Math.abs(r), delta / Math.max(q.w[i] ?? 1, 1e-300));
    }
    l1 = objective;
  }
  return { values, l1, residual };
}

/**
 * Solves the symmetric tridiagonal system (diag, off) x = rhs (Thomas algorithm). A tiny ridge
 * keeps hats without quadrature points (pieces narrower than a cell) determined, by their
 * neighbours.
 */
function solveTridiagonal(
  diag: Float64Array,
  off: Float64Array,
  rhs: Float64Array,
  out: Float64Array,
): void {
  const p = diag.length;
  let largest = 0;
  for (const d of diag) largest = Math.max(largest, d);
  const ridge = Math.max(largest, 1e-300) * 1e-13;
  const c = new Float64Array(p);
  const d = new Float64Array(p);
  let previousC = 0;
  let previousD = 0;
  for (let j = 0; j < p; j++) {
    const below = j > 0 ? (off[j - 1] ?? 0) : 0;
    const pivot = (diag[j] ?? 0) + ridge - below * previousC;
    previousC = (off[j] ?? 0) / pivot;
    previousD = ((rhs[j] ?? 0) - below * previousD) / pivot;
    c[j] = previousC;
    d[j] = previousD;
  }
  for (let j = p - 1; j >= 0; j--) {
    out[j] = (d[j] ?? 0) - (j < p - 1 ? (c[j] ?? 0) * (out[j + 1] ?? 0) : 0);
  }
}

/** Density floor, as a fraction of the mean: keeps pieces where the fit is exact from vanishing. */
const DENSITY_FLOOR = 0.02;

/**
 * New knots by equidistribution: piece j's L1 error E_j behaves like c_j h_j^3 for a C^2 target,
 * and the knot density that minimises sum E_j is proportional to c^(1/3) (equal error per piece),
 * so each old piece gets mass E_j^(1/3) (at least a floor), spread uniformly over it, and the new
 * knots cut the total mass into equal parts. Knots are rounded to float32, as the network stores
 * them.
 */
function equidistribute(knots: Float64Array, q: Quadrature, residual: Float64Array): Float64Array {
  const pieces = knots.length - 1;
  const error = new Float64Array(pieces);
  const piece = new Int32Array(q.x.length);
  locate(knots, q.x, piece);
  for (let i = 0; i < q.x.length; i++) {
    const j = piece[i] ?? 0;
    error[j] = (error[j] ?? 0) + (q.w[i] ?? 0) * Math.abs(residual[i] ?? 0);
  }
  const mass = new Float64Array(pieces);
  let total = 0;
  for (let j = 0; j < pieces; j++) total += Math.cbrt(error[j] ?? 0);
  const floorDensity = (DENSITY_FLOOR * total) / ((knots[pieces] ?? 1) - (knots[0] ?? 0));
  total = 0;
  for (let j = 0; j < pieces; j++) {
    const h = (knots[j + 1] ?? 0) - (knots[j] ?? 0);
    mass[j] = Math.max(Math.cbrt(error[j] ?? 0), floorDensity * h);
    total += mass[j] ?? 0;
  }
  const out = new Float64Array(pieces + 1);
  out[0] = knots[0] ?? 0;
  out[pieces] = knots[pieces] ?? 1;
  let j = 0;
  let below = 0;
  for (let k = 1; k < pieces; k++) {
    const wanted = (total * k) / pieces;
    while (j < pieces - 1 && below + (mass[j] ?? 0) < wanted) below += mass[j++] ?? 0;
    const share = (mass[j] ?? 0) > 0 ? (wanted - below) / (mass[j] ?? 1) : 0;
    const t0 = knots[j] ?? 0;
    const t = Math.fround(t0 + Math.min(Math.max(share, 0), 1) * ((knots[j + 1] ?? 1) - t0));
    out[k] = Math.max(t, out[k - 1] ?? 0);
  }
  return out;
}

/** Knots without repeats (repeated float32 knots are one kink): fewer pieces, same function. */
export function distinctKnots(knots: Float64Array): Float64Array {
  const out: number[] = [];
  for (const t of knots) if (out.length === 0 || t > (out[out.length - 1] ?? 0)) out.push(t);
  return Float64Array.from(out);
}

export interface FreeKnotFit {
  readonly net: NetworkWeights;
  /** The L1 objective on the fit's quadrature (the stored error comes from evaluation). */
  readonly quadratureL1: number;
  /** The number of distinct pieces (at most the width; repeats of float32 knots merge). */
  readonly pieces: number;
}

/**
 * The free-knot reference (d = 1): the best continuous piecewise-linear approximant with m free
 * knots in L1, as a width-m network (m pieces take m units: one with its kink at 0 for the first
 * slope, m - 1 at the interior knots; see {@link ridgeProfileNetwork}). Starting from uniform
 * knots, each round fits the knot values in L1 (IRLS) and moves the knots by equidistribution of
 * the local errors; the best round is kept and then refined locally ({@link refineKnots}). On an
 * adaptive quadrature, so knots grade towards a
 * singularity, kink or step by themselves. Null for classification (its 1-D references are the
 * interpolant and greedy), in d > 1, and when the cost exceeds options.maxCost.
 */
export function fitFreeKnot(
  target: Target,
  width: number,
  options: FreeKnotOptions = {},
): FreeKnotFit | null {
  const resolved = resolveFreeKnotOptions(options);
  if (target.kind !== 'regression' || target.dim !== 1) return null;
  const cells = Math.max(256, resolved.cellsPerPiece * width);
  if (resolved.rounds * resolved.irlsPasses * 2 * (cells + width) > resolved.maxCost) return null;
  const edges = adaptiveEdges(target, cells);
  // The quadrature follows the knots: each round refines it around the current pieces.
  const found = searchKnots(width, resolved.rounds, (knots) => {
    const q = quadratureOn(target, edges, knots);
    const fit = fitL1(knots, q, resolved.irlsPasses);
    return { q, fit, score: fit.l1 };
  });
  let best =
    found === undefined
      ? { knots: uniformKnots(width), values: new Float64Array(0), l1: Infinity }
      : { knots: found.knots, values: found.values, l1: found.score };
  best = refineKnots(target, edges, best, resolved);
  const profile = ridgeProfileNetwork(
    Float64Array.of(1),
    { knots: best.knots, values: best.values },
    'linear',
  );
  return {
    net: padWithDeadUnits(profile, width),
    quadratureL1: best.l1,
    pieces: best.knots.length - 1,
  };
}

/** width + 1 uniform knots on [0, 1], rounded to float32 as the network stores them. */
export function uniformKnots(width: number): Float64Array {
  const knots = new Float64Array(width + 1);
  for (let j = 0; j <= width; j++) knots[j] = Math.fround(j / width);
  return knots;
}

/** One round of a knot search: the quadrature the knots were fitted on, the fit, its score. */
export interface KnotRound {
  readonly q: Quadrature;
  readonly fit: { readonly values: Float64Array; readonly residual: Float64Array };
  readonly score: number;
}

/**
 * The knot search both free-knot fits run (the reference on the target's quadrature, the 1-D
 * warm start of training on the training samples): from uniform knots, each round fits and
 * scores the distinct knots (`round`), keeps the best round, and moves the knots by
 * equidistribution of the fit's local errors, respread to the width (repeats merged by
 * distinctKnots leave fewer pieces) and then passed through `adjust`. Undefined when no round
 * scored below Infinity.
 */
export function searchKnots(
  width: number,
  rounds: number,
  round: (knots: Float64Array) => KnotRound,
  adjust: (knots: Float64Array) => Float64Array = (knots) => knots,
): { knots: Float64Array; values: Float64Array; score: number } | undefined {
  let knots = uniformKnots(width);
  let best: { knots: Float64Array; values: Float64Array; score: number } | undefined;
  for (let r = 0; r < rounds; r++) {
    const distinct = distinctKnots(knots);
    const { q, fit, score } = round(distinct);
    if (score < (best?.score ?? Infinity)) best = { knots: distinct, values: fit.values, score };
    knots = equidistribute(distinct, q, fit.residual);
    if (knots.length < width + 1) knots = respread(knots, width);
    knots = adjust(knots);
  }
  return best;
}

/** width + 1 knots from fewer, splitting the longest pieces in half. */
function respread(knots: Float64Array, width: number): Float64Array {
  const list = Array.from(knots);
  while (list.length < width + 1) {
    let longest = 0;
    for (let j = 1; j < list.length - 1; j++) {
      if ((list[j + 1] ?? 0) - (list[j] ?? 0) > (list[longest + 1] ?? 0) - (list[longest] ?? 0)) {
        longest = j;
      }
    }
    const mid = Math.fround(((list[longest] ?? 0) + (list[longest + 1] ?? 0)) / 2);
    list.splice(longest + 1, 0, mid);
  }
  return Float64Array.from(list);
}

/**
 * Local refinement after equidistribution, which is only asymptotically optimal (at m = 4 it is
 * 35% off): a pattern search that moves one interior knot at a time by +-step x its piece length,
 * refits, and keeps a move that lowers the L1 objective, halving the step after a sweep without
 * one. Runs while its cost (refits x passes x points) stays within options.refineCost.
 */
function refineKnots(
  target: RegressionTarget,
  edges: Float64Array,
  start: { knots: Float64Array; values: Float64Array; l1: number },
  options: ResolvedFreeKnotOptions,
): { knots: Float64Array; values: Float64Array; l1: number } {
  let best = start;
  let spent = 0;
  let step = 0.25;
  while (step > 1e-3) {
    let improved = false;
    for (let j = 1; j < best.knots.length - 1; j++) {
      for (const direction of [1, -1]) {
        const knots = Float64Array.from(best.knots);
        const neighbour = (best.knots[j + direction] ?? 0) - (best.knots[j] ?? 0);
        knots[j] = Math.fround((knots[j] ?? 0) + step * neighbour);
        if (!((knots[j] ?? 0) > (knots[j - 1] ?? 0) && (knots[j] ?? 0) < (knots[j + 1] ?? 1))) {
          continue;
        }
        const q = quadratureOn(target, edges, knots);
        spent += options.irlsPasses * q.x.length;
        if (spent > options.refineCost) return best;
        const fit = fitL1(knots, q, options.irlsPasses);
        if (fit.l1 < best.l1) {
          best = { knots, values: fit.values, l1: fit.l1 };
          improved = true;
        }
      }
    }
    if (!improved) step /= 2;
  }
  return best;
}
