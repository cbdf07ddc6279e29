import { z } from 'zod';
import { positiveInt, positiveNumber } from '../spec/fields.js';
import { deriveSeed, Rng } from '../random.js';
import {
  centredRadii,
  constantVector,
  countReached,
  dotAt,
  randomUnitVector,
  squaredDistanceAt,
  uniformQuantiles,
} from './geometry.js';
import { classCount, defineTarget, seedParam } from './params.js';
import { pointwiseClassification } from './pointwise.js';
import type { TargetDefinition } from './target.js';

/** The fractions 1/K, ..., (K-1)/K: boundaries of K equal-volume classes. */
function equalVolumeFractions(classes: number): number[] {
  return Array.from({ length: classes - 1 }, (_, j) => (j + 1) / classes);
}

export const halfspaces: TargetDefinition = defineTarget({
  name: 'halfspaces',
  kind: 'classification',
  description: 'K equal-volume slabs between K-1 parallel hyperplanes w.x = t_j, random unit w',
  params: z.strictObject({ classes: classCount().default(2), seed: seedParam() }),
  defaultLoss: 'cross-entropy',
  create: ({ classes, seed }, dim) => {
    const w = randomUnitVector(new Rng(deriveSeed('halfspaces', seed)), dim);
    const fractions = equalVolumeFractions(classes);
    // In 1-D w = 1 and the quantiles of x are the fractions themselves.
    const thresholds =
      dim === 1 ? fractions : uniformQuantiles(dim, (x, offset) => dotAt(w, x, offset), fractions);
    return pointwiseClassification('halfspaces', dim, classes, (x, offset) =>
      countReached(thresholds, dotAt(w, x, offset)),
    );
  },
});

export const disk: TargetDefinition = defineTarget({
  name: 'disk',
  kind: 'classification',
  description:
    'class 0 inside a ball around the centre, class 1 outside; radius null = half the volume inside',
  params: z.strictObject({ radius: positiveNumber().nullable().default(null) }),
  defaultLoss: 'cross-entropy',
  create: ({ radius }, dim) => {
    const centre = constantVector(dim, 0.5);
    const r = radius ?? (centredRadii(dim, [0.5])[0] as number);
    const r2 = r * r;
    return pointwiseClassification('disk', dim, 2, (x, offset) =>
      squaredDistanceAt(centre, x, offset) < r2 ? 0 : 1,
    );
  },
});

export const shells: TargetDefinition = defineTarget({
  name: 'shells',
  kind: 'classification',
  description: 'K concentric equal-volume shells around the centre (class 0 innermost)',
  params: z.strictObject({ classes: classCount().default(3) }),
  defaultLoss: 'cross-entropy',
  create: ({ classes }, dim) => {
    const centre = constantVector(dim, 0.5);
    const squaredRadii = centredRadii(dim, equalVolumeFractions(classes)).map((r) => r * r);
    return pointwiseClassification('shells', dim, classes, (x, offset) =>
      countReached(squaredRadii, squaredDistanceAt(centre, x, offset)),
    );
  },
});

export const checkerboard: TargetDefinition = defineTarget({
  name: 'checkerboard',
  kind: 'classification',
  description: 'class = (sum_i floor(cells x_i)) mod K on a grid of cells^d boxes',
  params: z.strictObject({ cells: positiveInt().default(2), classes: classCount().default(2) }),
  defaultLoss: 'cross-entropy',
  create: ({ cells, classes }, dim) =>
    pointwiseClassification('checkerboard', dim, classes, (x, offset) => {
      let sum = 0;
      for (let i = 0; i < dim; i++) {
        // x_i = 1 belongs to the last cell, not to a cell outside the cube.
        sum += Math.min(cells - 1, Math.max(0, Math.floor(cells * (x[offset + i] ?? 0))));
      }
      return sum % classes;
    }),
});

export const voronoi: TargetDefinition = defineTarget({
  name: 'voronoi',
  kind: 'classification',
  description: 'the nearest of K random centres in the cube (a Voronoi partition)',
  params: z.strictObject({ classes: classCount().default(4), seed: seedParam() }),
  defaultLoss: 'cross-entropy',
  create: ({ classes, seed }, dim) => {
    const rng = new Rng(deriveSeed('voronoi', seed, dim));
    const centres = Array.from({ length: classes }, () => {
      const c = new Float64Array(dim);
      for (let i = 0; i < dim; i++) c[i] = rng.next();
      return c;
    });
    return pointwiseClassification('voronoi', dim, classes, (x, offset) => {
      let best = 0;
      let bestDistance = Infinity;
      centres.forEach((c, j) => {
        const distance = squaredDistanceAt(c, x, offset);
        if (distance < bestDistance) {
          bestDistance = distance;
          best = j;
        }
      });
      return best;
    });
  },
});

export const spirals: TargetDefinition = defineTarget({
  name: 'spirals',
  kind: 'classification',
  description: 'K interleaved Archimedean spiral arms around the centre of the square (d = 2 only)',
  params: z.strictObject({
    classes: classCount().default(2),
    turns: positiveNumber().default(1.5),
  }),
  defaultLoss: 'cross-entropy',
  incompatibility: (_params, dim) =>
    dim === 2 ? undefined : { message: 'spirals is only defined for d = 2' },
  create: ({ classes, turns }, dim) =>
    pointwiseClassification('spirals', dim, classes, (x, offset) => {
      const dx = (x[offset] ?? 0) - 0.5;
      const dy = (x[offset + 1] ?? 0) - 0.5;
      // Each arm winds `turns` times between the centre and radius 1/2; the phase of a point
      // relative to the arms decides its class, so the K arms have equal area in any disk.
      const phase = Math.atan2(dy, dx) / (2 * Math.PI) - turns * (Math.hypot(dx, dy) / 0.5);
      const wrapped = phase - Math.floor(phase);
      return Math.min(classes - 1, Math.floor(wrapped * classes));
    }),
});
