import { z } from 'zod';
import type { NetworkWeights } from '../network.js';
import { deriveSeed, Rng } from '../random.js';
import { positiveInt } from '../spec/fields.js';
import { defineTarget, parseParams, seedParam } from './params.js';
import { pointwiseRegression } from './pointwise.js';
import type { TargetDefinition } from './target.js';

const teacherParams = z.strictObject({ k: positiveInt().default(4), seed: seedParam() });

/**
 * The teacher's own weights as a linear-output network of width k. Every hidden unit is
 * w_j.(x - p_j) with |w_j| = 2 in a uniformly random direction and p_j uniform in the cube, so
 * each kink crosses the cube; output weights are N(0, 1/k), output bias 0. Weights are rounded to
 * float32 first, so a float32 network can equal the target exactly.
 */
export function teacherNetwork(
  params: Readonly<Record<string, unknown>>,
  dim: number,
): NetworkWeights {
  const { k, seed } = parseParams(teacherParams, params);
  const rng = new Rng(deriveSeed('teacher', seed, dim));
  const w1 = new Float32Array(k * dim);
  const b1 = new Float32Array(k);
  const w2 = new Float32Array(k);
  const direction = new Float64Array(dim);
  for (let j = 0; j < k; j++) {
    let norm = 0;
    while (norm === 0) {
      norm = 0;
      for (let i = 0; i < dim; i++) {
        const z = rng.normal();
        direction[i] = z;
        norm += z * z;
      }
    }
    const scale = 2 / Math.sqrt(norm);
    let bias = 0;
    for (let i = 0; i < dim; i++) {
      const wi = Math.fround((direction[i] ?? 0) * scale);
      w1[j * dim + i] = wi;
      bias -= wi * rng.next();
    }
    b1[j] = bias;
    w2[j] = rng.normal() / Math.sqrt(k);
  }
  return { dim, width: k, outputs: 1, output: 'linear', w1, b1, w2, b2: new Float32Array(1) };
}

export const teacher: TargetDefinition = defineTarget({
  name: 'teacher',
  kind: 'regression',
  description: 'a random ReLU network of width k with kinks inside the cube: exact for width >= k',
  params: teacherParams,
  defaultLoss: 'mse',
  create: (params, dim) => {
    const network = teacherNetwork(params, dim);
    const { w1, b1, w2, width } = network;
    const value = (x: Float64Array, offset: number): number => {
      let sum = 0;
      for (let j = 0; j < width; j++) {
        let pre = b1[j] ?? 0;
        for (let i = 0; i < dim; i++) pre += (w1[j * dim + i] ?? 0) * (x[offset + i] ?? 0);
        if (pre > 0) sum += (w2[j] ?? 0) * pre;
      }
      return sum;
    };
    return pointwiseRegression('teacher', dim, value, { exactNetwork: network });
  },
});
