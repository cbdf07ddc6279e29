import { forward } from './forward.js';
import type { NetworkWeights } from './network.js';

/** Points of the d = 1 prediction grid: x_i = i / 255, endpoints included. */
export const GRID_POINTS_1D = 256;
/** Points per axis of the d = 2 prediction grid: cell centres (i + 1/2) / 64. */
export const GRID_POINTS_2D = 64;

/**
 * A network's outputs on a fixed grid, stored with its result for plots. `data` is base64 of
 * little-endian float32 values, point-major (point p, output k at p * outputs + k): the network's
 * value for linear outputs, the softmax probabilities for softmax outputs. Base64 rather than a
 * typed array, so that the outcome survives JSON transports unchanged.
 */
export interface GridPredictions {
  readonly dim: 1 | 2;
  /** Points per axis: 256 in d = 1, 64 in d = 2 (64 x 64 points, x_1 varying fastest). */
  readonly size: number;
  readonly outputs: number;
  readonly output: 'linear' | 'softmax';
  readonly encoding: 'float32le-base64';
  readonly data: string;
}

/** The grid points (row-major, n x dim) the predictions of a `dim`-dimensional network use. */
export function predictionGrid(dim: 1 | 2): { x: Float64Array; n: number; size: number } {
  if (dim === 1) {
    const size = GRID_POINTS_1D;
    const x = new Float64Array(size);
    for (let i = 0; i < size; i++) x[i] = i / (size - 1);
    return { x, n: size, size };
  }
  const size = GRID_POINTS_2D;
  const x = new Float64Array(size * size * 2);
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      const p = row * size + col;
      x[2 * p] = (col + 0.5) / size;
      x[2 * p + 1] = (row + 0.5) / size;
    }
  }
  return { x, n: size * size, size };
}

function softmaxRows(values: Float64Array, n: number, k: number): void {
  for (let p = 0; p < n; p++) {
    let max = -Infinity;
    for (let c = 0; c < k; c++) max = Math.max(max, values[p * k + c] ?? -Infinity);
    let total = 0;
    for (let c = 0; c < k; c++) {
      const e = Math.exp((values[p * k + c] ?? 0) - max);
      values[p * k + c] = e;
      total += e;
    }
    for (let c = 0; c < k; c++) values[p * k + c] = (values[p * k + c] ?? 0) / total;
  }
}

/** Little-endian float32 bytes of `values`, as base64. */
export function encodeFloat32(values: ArrayLike<number>): string {
  const bytes = Buffer.alloc(values.length * 4);
  for (let i = 0; i < values.length; i++) bytes.writeFloatLE(values[i] ?? 0, i * 4);
  return bytes.toString('base64');
}

/** The inverse of {@link encodeFloat32}. */
export function decodeFloat32(data: string): Float32Array {
  return float32FromBytes(Buffer.from(data, 'base64'));
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Little-endian float32 bytes as values (a copy: Buffer's pool may not align them to 4). */
export function float32FromBytes(bytes: Uint8Array): Float32Array {
  if (bytes.length % 4 !== 0) {
    throw new RangeError(`decodeFloat32: ${bytes.length} bytes is not a whole number of floats`);
  }
  if (LITTLE_ENDIAN) {
    return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/**
 * The network's outputs on the prediction grid of its dimension, or null for d >= 3 (no plot
 * shows them, and a grid there would be large).
 */
export function gridPredictions(net: NetworkWeights): GridPredictions | null {
  if (net.dim !== 1 && net.dim !== 2) return null;
  const dim = net.dim === 1 ? 1 : 2;
  const { x, n, size } = predictionGrid(dim);
  const values = forward(net, x, n);
  if (net.output === 'softmax') softmaxRows(values, n, net.outputs);
  return {
    dim,
    size,
    outputs: net.outputs,
    output: net.output,
    encoding: 'float32le-base64',
    data: encodeFloat32(values),
  };
}
