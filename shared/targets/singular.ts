import { z } from 'zod';
import { numberIn, positiveNumber } from '../spec/fields.js';
import { constantVector, squaredDistanceAt } from './geometry.js';
import { defineTarget } from './params.js';
import { pointwiseRegression } from './pointwise.js';
import { normalQuantile, unitSphereArea } from './special.js';
import type { ImportanceDensity, TargetDefinition } from './target.js';

/** Outer radius of the radial component of the importance density. */
const RADIAL_EXTENT = 0.5;
/** Smallest uniform deviate fed to inverse CDFs: keeps the quantiles finite. */
const TINY = 2 ** -53;
/**
 * Distances below this count as this in both f and q. Points drawn closer to c than float64 can
 * resolve (about 1e-16 from c = 0.5) land exactly on c; with the floor their weighted error is
 * f/q ~ 2 / (radial normaliser), the limit the true ratio has there, instead of Infinity/Infinity.
 * That matters when d - alpha is small: then a visible share of the L1 norm lies within 1e-16 of
 * c (about 2.7% for d - alpha = 0.1), and dropping those points would bias the error low.
 */
const DISTANCE_FLOOR_SQUARED = 2 ** -120;

/** ||x - c||^-alpha with the distance floored, from the squared distance. */
function flooredPower(squaredDistance: number, alpha: number): number {
  return Math.max(squaredDistance, DISTANCE_FLOOR_SQUARED) ** (-alpha / 2);
}

function isInCube(x: Float64Array): boolean {
  for (const xi of x) if (!(xi >= 0 && xi <= 1)) return false;
  return true;
}

/**
 * The density q = 1/2 uniform-on-cube + 1/2 radial around c, where the radial part has
 * |x - c| = r with density proportional to r^(d-1-alpha) on [0, R] and a uniform direction. Its
 * value near c is proportional to r^-alpha, so |f|/q and |g - f|/q stay bounded and the L1
 * estimator has finite variance; the uniform half covers the rest of the cube.
 *
 * `transform` uses d + 1 coordinates: u_0 picks the component and, rescaled, gives r; the other
 * d give either the uniform point or, through Phi^-1, a Gaussian vector whose direction is used.
 */
export function singularImportance(c: Float64Array, alpha: number): ImportanceDensity {
  const dim = c.length;
  const exponent = dim - alpha;
  const radialNorm = exponent / (unitSphereArea(dim) * RADIAL_EXTENT ** exponent);
  return {
    unitDims: dim + 1,
    transform(u, out) {
      const selector = u[0] ?? 0;
      if (selector < 0.5) {
        for (let i = 0; i < dim; i++) out[i] = u[i + 1] ?? 0;
        return;
      }
      const v = Math.max(2 * selector - 1, TINY);
      const r = RADIAL_EXTENT * v ** (1 / exponent);
      let norm = 0;
      for (let i = 0; i < dim; i++) {
        const ui = Math.min(Math.max(u[i + 1] ?? 0.5, TINY), 1 - TINY);
        const z = normalQuantile(ui);
        out[i] = z;
        norm += z * z;
      }
      if (norm === 0) {
        out.fill(0);
        out[0] = 1;
        norm = 1;
      }
      const scale = r / Math.sqrt(norm);
      for (let i = 0; i < dim; i++) out[i] = (c[i] ?? 0) + (out[i] ?? 0) * scale;
    },
    density(x) {
      const squared = squaredDistanceAt(c, x, 0);
      const uniform = isInCube(x) ? 0.5 : 0;
      const inside = squared <= RADIAL_EXTENT * RADIAL_EXTENT;
      return uniform + (inside ? 0.5 * radialNorm * flooredPower(squared, alpha) : 0);
    },
  };
}

export const singular: TargetDefinition = defineTarget({
  name: 'singular',
  kind: 'regression',
  description:
    '||x - c||^-alpha: in L1 but unbounded (not in L2 for alpha >= d/2); evaluated by importance sampling',
  params: z.strictObject({
    alpha: positiveNumber().default(0.5),
    center: numberIn(0, 1).default(0.5),
  }),
  defaultLoss: 'l1',
  incompatibility: ({ alpha }, dim) =>
    alpha < dim
      ? undefined
      : {
          param: 'alpha',
          message: `expected alpha below the dimension for an integrable singularity, got alpha = ${alpha} >= d = ${dim}`,
        },
  create: ({ alpha, center }, dim) => {
    const c = constantVector(dim, center);
    return pointwiseRegression(
      'singular',
      dim,
      (x, offset) => flooredPower(squaredDistanceAt(c, x, offset), alpha),
      // int r^(-2 alpha) r^(d-1) dr diverges at 0 exactly when 2 alpha >= d.
      { importance: singularImportance(c, alpha), inL2: 2 * alpha < dim },
    );
  },
});
