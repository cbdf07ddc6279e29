import { z } from 'zod';
import { numberIn, positiveNumber } from '../spec/fields.js';
import { deriveSeed, Rng } from '../random.js';
import { constantVector, dotAt, randomUnitVector, squaredDistanceAt } from './geometry.js';
import { defineTarget, seedParam } from './params.js';
import { pointwiseRegression } from './pointwise.js';
import type { TargetDefinition } from './target.js';

/**
 * A random unit normal w and offset c = w . (1/2, ..., 1/2): a hyperplane through the centre.
 * `kink` and `step` share it, so with equal seeds the kink sits exactly on the step.
 */
function centralHyperplane(seed: number, dim: number): { w: Float64Array; c: number } {
  const w = randomUnitVector(new Rng(deriveSeed('central-hyperplane', seed)), dim);
  let c = 0;
  for (const wi of w) c += 0.5 * wi;
  return { w, c };
}

export const sine: TargetDefinition = defineTarget({
  name: 'sine',
  kind: 'regression',
  description: 'prod_i sin(2 pi k x_i): smooth, zero mean; L1 norm (2/pi)^d for integer k',
  params: z.strictObject({ k: positiveNumber().default(1) }),
  defaultLoss: 'mse',
  create: ({ k }, dim) =>
    pointwiseRegression('sine', dim, (x, offset) => {
      let product = 1;
      for (let i = 0; i < dim; i++) product *= Math.sin(2 * Math.PI * k * (x[offset + i] ?? 0));
      return product;
    }),
});

export const ridgeSine: TargetDefinition = defineTarget({
  name: 'ridge-sine',
  kind: 'regression',
  description: 'sin(2 pi k w.x) along a random unit direction w: a 1-D problem in any dimension',
  params: z.strictObject({ k: positiveNumber().default(1), seed: seedParam() }),
  defaultLoss: 'mse',
  create: ({ k, seed }, dim) => {
    const w = randomUnitVector(new Rng(deriveSeed('ridge-sine', seed, 'direction')), dim);
    return pointwiseRegression(
      'ridge-sine',
      dim,
      (x, offset) => Math.sin(2 * Math.PI * k * dotAt(w, x, offset)),
      { ridgeDirection: w },
    );
  },
});

export const bump: TargetDefinition = defineTarget({
  name: 'bump',
  kind: 'regression',
  description: 'Gaussian bump exp(-||x - c||^2 / (2 sigma^2)) around c = (center, ..., center)',
  params: z.strictObject({
    center: numberIn(0, 1).default(0.5),
    sigma: positiveNumber().default(0.15),
  }),
  defaultLoss: 'mse',
  create: ({ center, sigma }, dim) => {
    const c = constantVector(dim, center);
    const scale = 1 / (2 * sigma * sigma);
    return pointwiseRegression('bump', dim, (x, offset) =>
      Math.exp(-squaredDistanceAt(c, x, offset) * scale),
    );
  },
});

export const kink: TargetDefinition = defineTarget({
  name: 'kink',
  kind: 'regression',
  description: '|w.x - c| with a random unit w and the kink through the centre of the cube',
  params: z.strictObject({ seed: seedParam() }),
  defaultLoss: 'mse',
  create: ({ seed }, dim) => {
    const { w, c } = centralHyperplane(seed, dim);
    return pointwiseRegression('kink', dim, (x, offset) => Math.abs(dotAt(w, x, offset) - c), {
      ridgeDirection: w,
    });
  },
});

export const step: TargetDefinition = defineTarget({
  name: 'step',
  kind: 'regression',
  description: 'indicator 1[w.x >= c] of a random half-space through the centre of the cube',
  params: z.strictObject({ seed: seedParam() }),
  defaultLoss: 'mse',
  create: ({ seed }, dim) => {
    const { w, c } = centralHyperplane(seed, dim);
    return pointwiseRegression('step', dim, (x, offset) => (dotAt(w, x, offset) >= c ? 1 : 0), {
      ridgeDirection: w,
    });
  },
});
