import type { NetworkWeights } from './network.js';
import { deriveSeed, Rng } from './random.js';

/**
 * Initial weights for a one-hidden-layer ReLU network on [0,1]^dim.
 *
 * Hidden unit j gets weights w_j ~ N(0, 2/d) per component (He scaling, so pre-activations have
 * a width-independent spread) and bias b_j = -w_j . p_j with p_j uniform in the cube, so its kink
 * (the hyperplane w_j . x + b_j = 0) passes through a random point of the domain. The usual zero
 * biases would put every kink through the origin: on [0,1] inputs a 1-D network then starts out
 * linear on the whole domain, gets no gradient to move the kinks inward, and often stays linear,
 * which wastes the width the sweep is measuring. Output weights are N(0, 1/m) and output biases 0,
 * so the initial function is O(1) whatever the width m.
 *
 * Deterministic in `seed` (its own stream, independent of data and evaluation streams).
 */
export function initNetwork(
  dim: number,
  width: number,
  outputs: number,
  output: 'linear' | 'softmax',
  seed: number,
): NetworkWeights {
  for (const [name, value] of [
    ['dim', dim],
    ['width', width],
    ['outputs', outputs],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`initNetwork: ${name} must be a positive integer, got ${value}`);
    }
  }
  const rng = new Rng(deriveSeed(seed, 'init'));
  const w1 = new Float32Array(width * dim);
  const b1 = new Float32Array(width);
  const hiddenScale = Math.sqrt(2 / dim);
  for (let j = 0; j < width; j++) {
    let bias = 0;
    for (let i = 0; i < dim; i++) {
      const wi = Math.fround(rng.normal() * hiddenScale);
      w1[j * dim + i] = wi;
      bias -= wi * rng.next();
    }
    b1[j] = bias;
  }
  const w2 = new Float32Array(outputs * width);
  const outputScale = Math.sqrt(1 / width);
  for (let i = 0; i < w2.length; i++) w2[i] = rng.normal() * outputScale;
  return { dim, width, outputs, output, w1, b1, w2, b2: new Float32Array(outputs) };
}
