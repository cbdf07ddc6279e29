/**
 * Limited-memory BFGS (Nocedal & Wright, "Numerical Optimization", algorithms 7.4-7.5) with a
 * weak-Wolfe bisection line search (Lewis & Overton 2013), which stays well defined on the
 * piecewise-smooth loss of a ReLU network where a strong-Wolfe search can stall at a kink.
 */

/** Loss and gradient at x; writes the gradient into `grad`. */
export type Objective = (x: Float64Array, grad: Float64Array) => number;

export interface LbfgsOptions {
  /** Curvature pairs kept. @default 10 */
  readonly history?: number;
  /** Sufficient-decrease constant c1 of the Armijo condition. @default 1e-4 */
  readonly armijo?: number;
  /** Curvature constant c2 of the weak Wolfe condition. @default 0.9 */
  readonly wolfe?: number;
  /** Function evaluations one line search may spend. @default 20 */
  readonly maxEvaluations?: number;
  /** Length of the first step, along the normalised gradient. @default 1e-3 */
  readonly firstStep?: number;
}

export interface ResolvedLbfgsOptions {
  readonly history: number;
  readonly armijo: number;
  readonly wolfe: number;
  readonly maxEvaluations: number;
  readonly firstStep: number;
}

export function resolveLbfgsOptions(options: LbfgsOptions = {}): ResolvedLbfgsOptions {
  const resolved = {
    history: options.history ?? 10,
    armijo: options.armijo ?? 1e-4,
    wolfe: options.wolfe ?? 0.9,
    maxEvaluations: options.maxEvaluations ?? 20,
    firstStep: options.firstStep ?? 1e-3,
  };
  if (!Number.isInteger(resolved.history) || resolved.history < 1) {
    throw new RangeError(`history: expected a positive integer, got ${resolved.history}`);
  }
  if (!(resolved.armijo > 0 && resolved.armijo < resolved.wolfe && resolved.wolfe < 1)) {
    throw new RangeError(
      `armijo, wolfe: expected 0 < armijo < wolfe < 1, got ${resolved.armijo}, ${resolved.wolfe}`,
    );
  }
  if (!Number.isInteger(resolved.maxEvaluations) || resolved.maxEvaluations < 1) {
    throw new RangeError(
      `maxEvaluations: expected a positive integer, got ${resolved.maxEvaluations}`,
    );
  }
  if (!(resolved.firstStep > 0)) {
    throw new RangeError(`firstStep: expected a positive number, got ${resolved.firstStep}`);
  }
  return resolved;
}

/**
 * L-BFGS state over a parameter vector. Each iterate() is one iteration: a search direction from
 * the stored curvature pairs, a line search along it, and an update of the pairs.
 */
export class Lbfgs {
  readonly x: Float64Array;
  /** Loss at x. */
  loss: number;
  readonly #grad: Float64Array;
  readonly #objective: Objective;
  readonly #options: ResolvedLbfgsOptions;
  readonly #s: Float64Array[] = [];
  readonly #y: Float64Array[] = [];
  readonly #rho: number[] = [];
  readonly #direction: Float64Array;
  readonly #trial: Float64Array;
  readonly #trialGrad: Float64Array;
  readonly #alpha: Float64Array;
  #nextS: Float64Array;
  #nextY: Float64Array;
  /** Function evaluations so far, the first one included. */
  evaluations = 1;

  constructor(x0: Float64Array, objective: Objective, options: LbfgsOptions = {}) {
    this.#options = resolveLbfgsOptions(options);
    this.#objective = objective;
    this.x = Float64Array.from(x0);
    this.#grad = new Float64Array(x0.length);
    this.#direction = new Float64Array(x0.length);
    this.#trial = new Float64Array(x0.length);
    this.#trialGrad = new Float64Array(x0.length);
    this.#alpha = new Float64Array(this.#options.history);
    this.#nextS = new Float64Array(x0.length);
    this.#nextY = new Float64Array(x0.length);
    this.loss = objective(this.x, this.#grad);
  }

  /**
   * One iteration. Returns false, leaving x unchanged, when no step decreases the loss along the
   * search direction (converged to float precision, or a non-finite loss).
   */
  iterate(): boolean {
    if (!Number.isFinite(this.loss)) return false;
    if (this.searchDirection() < 0 && this.lineSearch()) return true;
    if (this.#s.length === 0) return false;
    // Not a descent direction, or no step along it lowered the loss: the curvature pairs are
    // stale (typical on a piecewise-linear loss such as l1, where a pair straddling a kink says
    // nothing about the next piece). Drop them and retry along the scaled gradient; only a failed
    // gradient step ends the run. Without this, l1 training on `singular` stopped after 33-51 of
    // 2000 steps at widths 4 and 8.
    this.forget();
    return this.searchDirection() < 0 && this.lineSearch();
  }

  /** Drops the curvature pairs: the next direction is the gradient's. */
  forget(): void {
    this.#s.length = 0;
    this.#y.length = 0;
    this.#rho.length = 0;
  }

  /** direction = -H g by the two-loop recursion; returns its slope g . direction. */
  private searchDirection(): number {
    const q = this.#direction;
    const g = this.#grad;
    for (let i = 0; i < q.length; i++) q[i] = -(g[i] ?? 0);
    const count = this.#s.length;
    for (let p = count - 1; p >= 0; p--) {
      const a = (this.#rho[p] ?? 0) * dot(this.#s[p] as Float64Array, q);
      this.#alpha[p] = a;
      axpy(-a, this.#y[p] as Float64Array, q);
    }
    if (count > 0) {
      const s = this.#s[count - 1] as Float64Array;
      const y = this.#y[count - 1] as Float64Array;
      scale(q, dot(s, y) / dot(y, y));
    } else {
      scale(q, this.#options.firstStep / Math.max(Math.sqrt(dot(g, g)), Number.MIN_VALUE));
    }
    for (let p = 0; p < count; p++) {
      const b = (this.#rho[p] ?? 0) * dot(this.#y[p] as Float64Array, q);
      axpy((this.#alpha[p] ?? 0) - b, this.#s[p] as Float64Array, q);
    }
    return dot(g, q);
  }

  /** Weak-Wolfe bisection along the direction, starting from the unit step. */
  private lineSearch(): boolean {
    const { armijo, wolfe, maxEvaluations } = this.#options;
    const d = this.#direction;
    const slope0 = dot(this.#grad, d);
    let lo = 0;
    let hi = Infinity;
    let t = 1;
    for (let e = 0; e < maxEvaluations; e++) {
      for (let i = 0; i < d.length; i++) this.#trial[i] = (this.x[i] ?? 0) + t * (d[i] ?? 0);
      const value = this.#objective(this.#trial, this.#trialGrad);
      this.evaluations += 1;
      if (!(value <= this.loss + armijo * t * slope0)) {
        hi = t;
      } else if (dot(this.#trialGrad, d) < wolfe * slope0) {
        lo = t;
      } else {
        this.accept(t, value);
        return true;
      }
      t = hi === Infinity ? 2 * lo : (lo + hi) / 2;
    }
    // Out of evaluations: take the best sufficient-decrease step found, if any.
    if (lo > 0) {
      for (let i = 0; i < d.length; i++) this.#trial[i] = (this.x[i] ?? 0) + lo * (d[i] ?? 0);
      const value = this.#objective(this.#trial, this.#trialGrad);
      this.evaluations += 1;
      if (value < this.loss) {
        this.accept(lo, value);
        return true;
      }
    }
    return false;
  }

  private accept(t: number, value: number): void {
    const s = this.#nextS;
    const y = this.#nextY;
    for (let i = 0; i < s.length; i++) {
      s[i] = t * (this.#direction[i] ?? 0);
      y[i] = (this.#trialGrad[i] ?? 0) - (this.#grad[i] ?? 0);
    }
    this.x.set(this.#trial);
    this.#grad.set(this.#trialGrad);
    this.loss = value;
    const sy = dot(s, y);
    // Keep the inverse-Hessian approximation positive definite: skip pairs without curvature.
    if (!(sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y)))) return;
    if (this.#s.length === this.#options.history) {
      // The oldest pair's arrays become the scratch for the next one: no allocation per step.
      this.#nextS = this.#s.shift() ?? new Float64Array(s.length);
      this.#nextY = this.#y.shift() ?? new Float64Array(s.length);
      this.#rho.shift();
    } else {
      this.#nextS = new Float64Array(s.length);
      this.#nextY = new Float64Array(s.length);
    }
    this.#s.push(s);
    this.#y.push(y);
    this.#rho.push(1 / sy);
  }
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] ?? 0) * (b[i] ?? 0);
  return sum;
}

function axpy(alpha: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i] = (y[i] ?? 0) + alpha * (x[i] ?? 0);
}

function scale(x: Float64Array, factor: number): void {
  for (let i = 0; i < x.length; i++) x[i] = (x[i] ?? 0) * factor;
}
