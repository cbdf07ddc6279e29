// The fused training kernel for one-hidden-layer nets g(x) = W2 relu(W1 x + b1) + b2, compiled
// by `asc` to WebAssembly with 128-bit SIMD (see package.json "build:kernel"). Memory is laid out
// by the TypeScript side (worker/fused/kernel-memory.ts): every pointer here is a byte offset
// into this module's memory, 16-byte aligned; data are stored transposed, one row of `stride`
// floats per input (or output) dimension, zero beyond the n valid samples; `stride` and `block`
// are multiples of 16.

import { backwardBlock } from './backward';
import { forwardBlock } from './forward';
import { residualBlock, LOSS_CROSS_ENTROPY } from './residual';
import { at } from './simd';

export { adamUpdate, sgdUpdate } from './update';
export { normalEquations } from './gram';
export { choleskySolve, ridgeCholesky } from './cholesky';

/** First free byte after the module's own data: where the TypeScript side starts allocating. */
export function heapBase(): usize {
  return __heap_base;
}

/**
 * Mean training loss at `params` over n samples; with `grad` != 0 also its gradient (same layout
 * as params, overwritten). One pass over the data: for each block of `block` samples, forward
 * (hidden activations kept in `scratch`), loss derivative, then backward while the block is hot.
 * `scratch` needs (k + m + 1) x block floats.
 */
export function lossGradient(
  x: usize,
  y: usize,
  n: i32,
  stride: i32,
  d: i32,
  m: i32,
  k: i32,
  loss: i32,
  params: usize,
  grad: usize,
  scratch: usize,
  block: i32,
): f64 {
  if (grad != 0) memory.fill(grad, 0, (<usize>(m * (d + 1 + k) + k)) << 2);
  const out = scratch;
  const h = at(out, k * block);
  const dh = at(h, m * block);
  const scale: f64 = loss == LOSS_CROSS_ENTROPY ? 1.0 / <f64>n : 1.0 / (<f64>n * <f64>k);
  let total: f64 = 0;
  for (let p0 = 0; p0 < n; p0 += block) {
    const valid = min(block, n - p0);
    const bs = min(block, (valid + 15) & ~15);
    const xb = at(x, p0);
    forwardBlock(xb, stride, d, m, k, params, out, h, bs);
    total += residualBlock(at(y, p0), stride, k, loss, out, bs, valid, scale);
    if (grad != 0) backwardBlock(xb, stride, d, m, k, params, grad, out, h, dh, bs);
  }
  return loss == LOSS_CROSS_ENTROPY ? total / <f64>n : total / (<f64>n * <f64>k);
}

/**
 * The network's outputs (logits for softmax nets) at n samples, written transposed to `out`
 * (k rows of `stride` floats). `scratch` needs (k + m) x block floats.
 */
export function predict(
  x: usize,
  n: i32,
  stride: i32,
  d: i32,
  m: i32,
  k: i32,
  params: usize,
  out: usize,
  scratch: usize,
  block: i32,
): void {
  const o = scratch;
  const h = at(o, k * block);
  for (let p0 = 0; p0 < n; p0 += block) {
    const valid = min(block, n - p0);
    const bs = min(block, (valid + 15) & ~15);
    forwardBlock(at(x, p0), stride, d, m, k, params, o, h, bs);
    for (let c = 0; c < k; c++) {
      memory.copy(at(out, c * stride + p0), at(o, c * bs), (<usize>valid) << 2);
    }
  }
}

/**
 * Copies the samples listed in `indices` (i32) from the full data set (rows `stride` floats
 * apart) into a minibatch (rows `batchStride` apart), `rows` rows in all.
 */
export function gather(
  src: usize,
  stride: i32,
  rows: i32,
  indices: usize,
  count: i32,
  dst: usize,
  batchStride: i32,
): void {
  for (let r = 0; r < rows; r++) {
    const from = at(src, r * stride);
    const to = at(dst, r * batchStride);
    for (let s = 0; s < count; s++) {
      store<f32>(at(to, s), load<f32>(at(from, load<i32>(at(indices, s)))));
    }
  }
}
