// The loss of one block of outputs and its derivative with respect to the outputs. Scalar code:
// it touches k values per sample, against the m-long hidden loops of the other passes.

import { at } from './simd';

export const LOSS_MSE: i32 = 0;
export const LOSS_L1: i32 = 1;
export const LOSS_CROSS_ENTROPY: i32 = 2;

/**
 * Replaces the outputs `out` (k rows of `bs` floats) by dL/dout, where L is the mean loss over
 * the whole data set: `scale` is 1/(n k) for mse and l1 (tfjs' mean over all elements) and 1/n
 * for cross-entropy (mean over points of the per-point sum). Samples from `valid` on are padding
 * and get a zero derivative. Returns the block's unscaled loss sum.
 */
export function residualBlock(
  y: usize,
  stride: i32,
  k: i32,
  loss: i32,
  out: usize,
  bs: i32,
  valid: i32,
  scale: f64,
): f64 {
  let sum: f64 = 0;
  if (loss == LOSS_CROSS_ENTROPY) {
    for (let s = 0; s < valid; s++) sum += crossEntropyAt(y, stride, k, out, bs, s, scale);
  } else {
    for (let c = 0; c < k; c++) {
      const row = at(out, c * bs);
      const target = at(y, c * stride);
      for (let s = 0; s < valid; s++) {
        const e = <f64>load<f32>(at(row, s)) - <f64>load<f32>(at(target, s));
        if (loss == LOSS_MSE) {
          sum += e * e;
          store<f32>(at(row, s), <f32>(2 * e * scale));
        } else {
          sum += Math.abs(e);
          store<f32>(at(row, s), <f32>(e > 0 ? scale : e < 0 ? -scale : 0));
        }
      }
    }
  }
  for (let c = 0; c < k; c++) {
    const row = at(out, c * bs);
    for (let s = valid; s < bs; s++) store<f32>(at(row, s), 0);
  }
  return sum;
}

/**
 * Softmax cross-entropy of sample `s`, -sum_c y_c log softmax(out)_c, computed as
 * sum_c y_c (lse - out_c) with lse shifted by the largest logit; leaves (softmax * sum(y) - y)
 * * scale in place of the logits.
 */
function crossEntropyAt(
  y: usize,
  stride: i32,
  k: i32,
  out: usize,
  bs: i32,
  s: i32,
  scale: f64,
): f64 {
  let top: f64 = -Infinity;
  for (let c = 0; c < k; c++) top = Math.max(top, <f64>load<f32>(at(out, c * bs + s)));
  let total: f64 = 0;
  for (let c = 0; c < k; c++) total += Math.exp(<f64>load<f32>(at(out, c * bs + s)) - top);
  const lse = top + Math.log(total);
  let mass: f64 = 0;
  let value: f64 = 0;
  for (let c = 0; c < k; c++) {
    const yc = <f64>load<f32>(at(y, c * stride + s));
    mass += yc;
    value += yc * (lse - <f64>load<f32>(at(out, c * bs + s)));
  }
  for (let c = 0; c < k; c++) {
    const logit = <f64>load<f32>(at(out, c * bs + s));
    const p = Math.exp(logit - lse);
    const yc = <f64>load<f32>(at(y, c * stride + s));
    store<f32>(at(out, c * bs + s), <f32>((p * mass - yc) * scale));
  }
  return value;
}
