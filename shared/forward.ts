import type { NetworkWeights } from './network.js';

/** Checks that the weight arrays have the lengths the network's shape implies. */
export function checkNetworkShape(net: NetworkWeights): void {
  const { dim, width, outputs } = net;
  if (
    net.w1.length !== width * dim ||
    net.b1.length !== width ||
    net.w2.length !== outputs * width ||
    net.b2.length !== outputs
  ) {
    throw new RangeError(
      `network weights do not match dim ${dim}, width ${width}, outputs ${outputs}: ` +
        `w1 ${net.w1.length}, b1 ${net.b1.length}, w2 ${net.w2.length}, b2 ${net.b2.length}`,
    );
  }
}

/** A network's forward pass with its weights converted once, for evaluating many chunks. */
export type ForwardPass = (x: Float64Array, n: number) => Float64Array;

/**
 * Prepares g(x) = W2 relu(W1 x + b1) + b2 for repeated use: float64 copies of the weights (reads
 * skip the float32 conversion) with W2 transposed, so one hidden unit's output weights are
 * contiguous. See {@link forward}.
 */
export function prepareForward(net: NetworkWeights): ForwardPass {
  checkNetworkShape(net);
  const { dim, width, outputs } = net;
  const w1 = Float64Array.from(net.w1);
  const b1 = Float64Array.from(net.b1);
  const b2 = Float64Array.from(net.b2);
  const w2t = new Float64Array(width * outputs);
  for (let k = 0; k < outputs; k++) {
    for (let j = 0; j < width; j++) w2t[j * outputs + k] = net.w2[k * width + j] ?? 0;
  }
  const acc = new Float64Array(outputs);
  return (x, n) => {
    if (!Number.isInteger(n) || n < 0 || x.length < n * dim) {
      throw new RangeError(`expected ${n} points of dimension ${dim}, got ${x.length} coordinates`);
    }
    const out = new Float64Array(n * outputs);
    for (let p = 0; p < n; p++) {
      const xOffset = p * dim;
      acc.set(b2);
      for (let j = 0; j < width; j++) {
        let pre = b1[j] ?? 0;
        const row = j * dim;
        for (let i = 0; i < dim; i++) pre += (w1[row + i] ?? 0) * (x[xOffset + i] ?? 0);
        if (pre <= 0) continue;
        const column = j * outputs;
        for (let k = 0; k < outputs; k++) acc[k] = (acc[k] ?? 0) + (w2t[column + k] ?? 0) * pre;
      }
      out.set(acc, p * outputs);
    }
    return out;
  };
}

/**
 * g(x) = W2 relu(W1 x + b1) + b2 at n points (row-major `x`, n x dim), as an n x outputs array;
 * softmax networks return raw logits. Accumulates in float64 one point at a time, so memory is
 * O(width) whatever n is, and the result never depends on a training backend.
 */
export function forward(net: NetworkWeights, x: Float64Array, n: number): Float64Array {
  return prepareForward(net)(x, n);
}
