import type { NetworkWeights } from '../../shared/network.js';

/** What the layout depends on. */
type Shape = Pick<NetworkWeights, 'dim' | 'width' | 'outputs' | 'output'>;

/**
 * Writes `net` into `out` in the training kernels' parameter layout (kernel.ts): w1 | b1 |
 * w2 transposed (m x k, so each unit's outgoing weights are adjacent) | b2.
 */
export function packParams(
  net: Pick<NetworkWeights, 'dim' | 'width' | 'outputs' | 'w1' | 'b1' | 'w2' | 'b2'>,
  out: Float32Array,
): Float32Array {
  const { dim, width: m, outputs: k } = net;
  out.set(net.w1, 0);
  out.set(net.b1, m * dim);
  const w2 = m * (dim + 1);
  for (let j = 0; j < m; j++) {
    for (let c = 0; c < k; c++) out[w2 + j * k + c] = net.w2[c * m + j] ?? 0;
  }
  out.set(net.b2, m * (dim + 1 + k));
  return out;
}

/** The parameter vector `p` (kernel layout) as NetworkWeights (fresh arrays). */
export function unpackParams(p: ArrayLike<number>, shape: Shape): NetworkWeights {
  const { dim, width: m, outputs: k } = shape;
  const values = Float32Array.from({ length: m * (dim + 1 + k) + k }, (_, i) => p[i] ?? 0);
  const w2 = new Float32Array(k * m);
  const w2Start = m * (dim + 1);
  for (let j = 0; j < m; j++) {
    for (let c = 0; c < k; c++) w2[c * m + j] = values[w2Start + j * k + c] ?? 0;
  }
  return {
    dim,
    width: m,
    outputs: k,
    output: shape.output,
    w1: values.slice(0, m * dim),
    b1: values.slice(m * dim, w2Start),
    w2,
    b2: values.slice(m * (dim + 1 + k), m * (dim + 1 + k) + k),
  };
}
