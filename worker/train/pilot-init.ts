/**
 * The data-driven warm start of `train.init: reference`: a pilot fit's expected gradient outer
 * product (EGOP) G = mean_x grad g(x) grad g(x)^T over the training points says which input
 * directions the target varies along. A new hidden layer draws its directions from N(0, C) with
 * C shaped like G^2 (normalised to the He trace 2), and puts each unit's kink through a random
 * training point. For a ridge target f(w.x), G is close to rank one, so every unit lines up with
 * w: the structure of the ridge interpolant, found from samples alone (no target knowledge).
 * For an isotropic target (bump, product sine) G is close to a multiple of the identity and the
 * draw is the usual He initialisation.
 */
import type { NetworkWeights } from '../../shared/network.js';
import { deriveSeed, Rng } from '../../shared/random.js';
import type { TrainingData } from '../../shared/training-data.js';

/** Share of the steps the pilot fit gets; the rest train from the warm start. */
export const PILOT_SHARE = 0.25;

/**
 * Power of G the direction covariance follows. G itself keeps the pilot's gradient errors: with
 * a pilot 10x off on ridge-sine (d = 4) its off-axis eigenvalues are ~1% of the top one, so
 * sqrt-shaped directions would stray ~10% off w; squaring G cuts that to ~1%.
 */
const COVARIANCE_POWER = 2;

/** mean over the points of grad g(x) grad g(x)^T (summed over outputs), d x d row-major. */
export function gradientOuterProduct(net: NetworkWeights, data: TrainingData): Float64Array {
  const { dim: d, width: m, outputs: k } = net;
  const g = new Float64Array(d * d);
  const grad = new Float64Array(d);
  for (let p = 0; p < data.n; p++) {
    for (let c = 0; c < k; c++) {
      grad.fill(0);
      for (let j = 0; j < m; j++) {
        let pre = net.b1[j] ?? 0;
        for (let i = 0; i < d; i++) pre += (net.w1[j * d + i] ?? 0) * (data.x[p * d + i] ?? 0);
        if (pre <= 0) continue;
        const a = net.w2[c * m + j] ?? 0;
        for (let i = 0; i < d; i++) grad[i] = (grad[i] ?? 0) + a * (net.w1[j * d + i] ?? 0);
      }
      for (let r = 0; r < d; r++) {
        for (let s = 0; s < d; s++)
          g[r * d + s] = (g[r * d + s] ?? 0) + (grad[r] ?? 0) * (grad[s] ?? 0);
      }
    }
  }
  for (let i = 0; i < g.length; i++) g[i] = (g[i] ?? 0) / data.n;
  return g;
}

/** Eigenvalues and eigenvectors (columns of `vectors`) of a symmetric d x d matrix, by Jacobi. */
export function symmetricEigen(
  a: Float64Array,
  d: number,
): { values: Float64Array; vectors: Float64Array } {
  const m = Float64Array.from(a);
  const v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
  for (let sweep = 0; sweep < 64; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += (m[p * d + q] ?? 0) ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) rotate(m, v, d, p, q);
    }
  }
  const values = new Float64Array(d);
  for (let i = 0; i < d; i++) values[i] = m[i * d + i] ?? 0;
  return { values, vectors: v };
}

/** One Jacobi rotation zeroing m[p][q]. */
function rotate(m: Float64Array, v: Float64Array, d: number, p: number, q: number): void {
  const apq = m[p * d + q] ?? 0;
  if (Math.abs(apq) < 1e-300) return;
  const theta = ((m[q * d + q] ?? 0) - (m[p * d + p] ?? 0)) / (2 * apq);
  const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
  const c = 1 / Math.sqrt(t * t + 1);
  const s = t * c;
  for (let k = 0; k < d; k++) {
    const mkp = m[k * d + p] ?? 0;
    const mkq = m[k * d + q] ?? 0;
    m[k * d + p] = c * mkp - s * mkq;
    m[k * d + q] = s * mkp + c * mkq;
  }
  for (let k = 0; k < d; k++) {
    const mpk = m[p * d + k] ?? 0;
    const mqk = m[q * d + k] ?? 0;
    m[p * d + k] = c * mpk - s * mqk;
    m[q * d + k] = s * mpk + c * mqk;
  }
  for (let k = 0; k < d; k++) {
    const vkp = v[k * d + p] ?? 0;
    const vkq = v[k * d + q] ?? 0;
    v[k * d + p] = c * vkp - s * vkq;
    v[k * d + q] = s * vkp + c * vkq;
  }
}

/**
 * tr(G)^2 / tr(G^2) from G's eigenvalues: 1 for a rank-one G, d for a multiple of the identity.
 * The warm start is used only below (d + 1) / 2, where the pilot found the target to vary along
 * fewer than half the directions: on isotropic targets (2-D sine and bump) restarting from a
 * He-like draw only threw away the pilot's steps (1.9x worse on 2-D sine at width 64).
 */
export function effectiveDimension(values: Float64Array): number {
  let sum = 0;
  let squares = 0;
  for (const v of values) {
    const x = Math.max(v, 0);
    sum += x;
    squares += x * x;
  }
  return squares > 0 ? (sum * sum) / squares : Number.NaN;
}

/**
 * The warm-start net, or null when the pilot's G is not low-dimensional (effectiveDimension) and
 * training just goes on from the pilot: hidden directions w_j = L z_j with z_j ~ N(0, I) and L L^T = C, C = G^p
 * scaled to trace 2 (He: E|w|^2 = 2); kinks through random training points; output weights
 * N(0, 1/m) and biases 0 as in shared/init.ts (a least-squares output layer follows where the
 * optimizer has one). A G without any variation (a constant pilot) falls back to C = (2/d) I.
 */
export function pilotWarmStart(
  pilot: NetworkWeights,
  data: TrainingData,
  seed: number,
): NetworkWeights | null {
  const { dim: d, width: m, outputs: k } = pilot;
  const { values, vectors } = symmetricEigen(gradientOuterProduct(pilot, data), d);
  if (!(effectiveDimension(values) < (d + 1) / 2)) return null;
  const powered = Array.from(values, (x) => Math.max(x, 0) ** COVARIANCE_POWER);
  const trace = powered.reduce((a, b) => a + b, 0);
  const scales = powered.map((x) => (trace > 0 ? Math.sqrt((2 * x) / trace) : Math.sqrt(2 / d)));
  const rng = new Rng(deriveSeed(seed, 'pilot-init'));
  const w1 = new Float32Array(m * d);
  const b1 = new Float32Array(m);
  const z = new Float64Array(d);
  for (let j = 0; j < m; j++) {
    for (let e = 0; e < d; e++) z[e] = rng.normal() * (scales[e] ?? 0);
    const point = Math.min(data.n - 1, Math.floor(rng.next() * data.n));
    let bias = 0;
    for (let i = 0; i < d; i++) {
      let wi = 0;
      for (let e = 0; e < d; e++) wi += (vectors[i * d + e] ?? 0) * (z[e] ?? 0);
      w1[j * d + i] = wi;
      bias -= (w1[j * d + i] ?? 0) * (data.x[point * d + i] ?? 0);
    }
    b1[j] = bias;
  }
  const w2 = new Float32Array(k * m);
  const outputScale = Math.sqrt(1 / m);
  for (let i = 0; i < w2.length; i++) w2[i] = rng.normal() * outputScale;
  return { ...pilot, w1, b1, w2, b2: new Float32Array(k) };
}
