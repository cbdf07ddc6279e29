// Where each parameter block of a one-hidden-layer net sits in the kernel's parameter vector.
// One contiguous vector (w1 | b1 | w2t | b2, float32) lets the optimizer update every parameter
// in a single SIMD loop; the gradient and the optimizer moments use the same layout.
//
//   w1  [m x d]  hidden weights, row j = unit j (the same as NetworkWeights.w1)
//   b1  [m]      hidden biases
//   w2t [m x k]  output weights transposed, row j = unit j's weights into the k outputs
//   b2  [k]      output biases

import { at } from './simd';

export function w1Of(params: usize): usize {
  return params;
}

export function b1Of(params: usize, d: i32, m: i32): usize {
  return at(params, m * d);
}

export function w2Of(params: usize, d: i32, m: i32): usize {
  return at(params, m * (d + 1));
}

export function b2Of(params: usize, d: i32, m: i32, k: i32): usize {
  return at(params, m * (d + 1 + k));
}
