import type { NetworkWeights } from '../network.js';

/**
 * A continuous piecewise-linear profile phi on [knots[0], knots[p]] with p pieces: values[j * k + c]
 * is output c at knots[j] (k = values.length / knots.length outputs).
 */
export interface PiecewiseLinear {
  readonly knots: Float64Array;
  readonly values: Float64Array;
}

/**
 * The width-p network g(x) = phi(w . x) for a profile with p pieces (p + 1 knots), along the
 * direction w (w = [1] in 1-D): g = phi(t_0) + sum_j c_j relu(w . x - t_j), j = 0 .. p - 1, with
 * c_0 the first slope and c_j the change of slope at t_j. The unit at t_0 carries the first slope
 * over the whole domain (w . x >= t_0 there), so p pieces take exactly p units; p + 1 pieces
 * would need p + 1. Repeated knots keep their units with a zero weight, so the width is always p.
 *
 * The weights are float32, and a steep piece (a graded fit next to a singularity or a step) has
 * slope changes of 1e7 and more that cancel further on: rounding each c_j on its own would leave
 * slope errors of |c_j| 2^-24 everywhere to its right. So the c_j are chosen in order, each to
 * make the float32 network hit phi at the next knot exactly up to its own rounding: the error
 * never accumulates (error feedback), and at each knot it stays within ulp(c_j) h_j.
 */
export function ridgeProfileNetwork(
  direction: Float64Array,
  profile: PiecewiseLinear,
  output: 'linear' | 'softmax',
): NetworkWeights {
  const { knots, values } = profile;
  const width = knots.length - 1;
  const k = values.length / knots.length;
  if (width < 1 || !Number.isInteger(k) || k < 1) {
    throw new RangeError(
      `ridgeProfileNetwork: expected at least 2 knots and values for each, got ${knots.length} knots and ${values.length} values`,
    );
  }
  const dim = direction.length;
  const w1 = new Float32Array(width * dim);
  const b1 = new Float32Array(width);
  // The kinks as the network has them (float32 biases); the last knot is only a target point.
  const kinks = new Float64Array(width + 1);
  for (let j = 0; j < width; j++) {
    w1.set(direction, j * dim);
    b1[j] = -(knots[j] ?? 0);
    kinks[j] = -(b1[j] ?? 0);
  }
  kinks[width] = knots[width] ?? 0;
  const w2 = new Float32Array(k * width);
  const b2 = new Float32Array(k);
  for (let c = 0; c < k; c++) {
    b2[c] = values[c] ?? 0;
    // The float32 network's value at the current kink and its slope there, in float64.
    let value = b2[c] ?? 0;
    let slope = 0;
    for (let j = 0; j < width; j++) {
      const h = (kinks[j + 1] ?? 0) - (kinks[j] ?? 0);
      if (!(h > 0)) continue;
      const wanted = values[(j + 1) * k + c] ?? 0;
      const change = Math.fround((wanted - value) / h - slope);
      w2[c * width + j] = change;
      slope += change;
      value += slope * h;
    }
  }
  return { dim, width, outputs: k, output, w1, b1, w2, b2 };
}

/**
 * The same function as a wider network: `net` plus dead units (all-zero weights, relu(0) = 0) up
 * to `width`, so a construction with fewer units still reports at the task's width.
 */
export function padWithDeadUnits(net: NetworkWeights, width: number): NetworkWeights {
  if (width < net.width) {
    throw new RangeError(`padWithDeadUnits: cannot shrink width ${net.width} to ${width}`);
  }
  if (width === net.width) return net;
  const { dim, outputs } = net;
  const w1 = new Float32Array(width * dim);
  w1.set(net.w1);
  const b1 = new Float32Array(width);
  b1.set(net.b1);
  const w2 = new Float32Array(outputs * width);
  for (let c = 0; c < outputs; c++) {
    w2.set(net.w2.subarray(c * net.width, (c + 1) * net.width), c * width);
  }
  return { ...net, width, w1, b1, w2, b2: Float32Array.from(net.b2) };
}
