// The forward half of a training step on one block of samples. Samples sit in SIMD lanes: the
// data are stored transposed (one row of `stride` floats per input dimension), so four samples
// load as one vector and every weight is broadcast once per hidden unit and block.

import { b1Of, b2Of, w1Of, w2Of } from './layout';
import { at, zero } from './simd';

/**
 * Hidden activations h (m rows of `bs` floats, h[j][s] = relu(w1_j . x_s + b1_j)) and outputs
 * out (k rows of `bs` floats) for the `bs` samples whose first input is at `x` (bs a multiple
 * of 16). `x` rows are `stride` floats apart.
 */
export function forwardBlock(
  x: usize,
  stride: i32,
  d: i32,
  m: i32,
  k: i32,
  params: usize,
  out: usize,
  h: usize,
  bs: i32,
): void {
  const b2 = b2Of(params, d, m, k);
  for (let c = 0; c < k; c++) {
    const bias = f32x4.splat(load<f32>(at(b2, c)));
    const row = at(out, c * bs);
    for (let s = 0; s < bs; s += 4) v128.store(at(row, s), bias);
  }
  if (k == 1 && d <= 2) {
    forwardSmall(x, stride, d, m, params, out, h, bs);
    return;
  }
  hiddenBlock(x, stride, d, m, params, h, bs);
  const w2 = w2Of(params, d, m);
  for (let j = 0; j < m; j++) {
    const hj = at(h, j * bs);
    for (let c = 0; c < k; c++) {
      const v = f32x4.splat(load<f32>(at(w2, j * k + c)));
      const row = at(out, c * bs);
      for (let s = 0; s < bs; s += 16) {
        const o = at(row, s);
        const hs = at(hj, s);
        v128.store(o, f32x4.add(v128.load(o), f32x4.mul(v, v128.load(hs))));
        v128.store(o, f32x4.add(v128.load(o, 16), f32x4.mul(v, v128.load(hs, 16))), 16);
        v128.store(o, f32x4.add(v128.load(o, 32), f32x4.mul(v, v128.load(hs, 32))), 32);
        v128.store(o, f32x4.add(v128.load(o, 48), f32x4.mul(v, v128.load(hs, 48))), 48);
      }
    }
  }
}

/**
 * Only the hidden activations h[j][s] = relu(w1_j . x_s + b1_j), for any d: one pass over the
 * block per input dimension, accumulating into h (which stays in L1 for one unit's row).
 */
export function hiddenBlock(
  x: usize,
  stride: i32,
  d: i32,
  m: i32,
  params: usize,
  h: usize,
  bs: i32,
): void {
  const w1 = w1Of(params);
  const b1 = b1Of(params, d, m);
  const z = zero();
  for (let j = 0; j < m; j++) {
    const hj = at(h, j * bs);
    const wj = at(w1, j * d);
    const b = f32x4.splat(load<f32>(at(b1, j)));
    let w = f32x4.splat(load<f32>(wj));
    for (let s = 0; s < bs; s += 16) {
      const xs = at(x, s);
      const hs = at(hj, s);
      v128.store(hs, f32x4.add(b, f32x4.mul(w, v128.load(xs))));
      v128.store(hs, f32x4.add(b, f32x4.mul(w, v128.load(xs, 16))), 16);
      v128.store(hs, f32x4.add(b, f32x4.mul(w, v128.load(xs, 32))), 32);
      v128.store(hs, f32x4.add(b, f32x4.mul(w, v128.load(xs, 48))), 48);
    }
    for (let i = 1; i < d; i++) {
      w = f32x4.splat(load<f32>(at(wj, i)));
      const xi = at(x, i * stride);
      for (let s = 0; s < bs; s += 16) {
        const xs = at(xi, s);
        const hs = at(hj, s);
        v128.store(hs, f32x4.add(v128.load(hs), f32x4.mul(w, v128.load(xs))));
        v128.store(hs, f32x4.add(v128.load(hs, 16), f32x4.mul(w, v128.load(xs, 16))), 16);
        v128.store(hs, f32x4.add(v128.load(hs, 32), f32x4.mul(w, v128.load(xs, 32))), 32);
        v128.store(hs, f32x4.add(v128.load(hs, 48), f32x4.mul(w, v128.load(xs, 48))), 48);
      }
    }
    for (let s = 0; s < bs; s += 16) {
      const hs = at(hj, s);
      v128.store(hs, f32x4.max(v128.load(hs), z));
      v128.store(hs, f32x4.max(v128.load(hs, 16), z), 16);
      v128.store(hs, f32x4.max(v128.load(hs, 32), z), 32);
      v128.store(hs, f32x4.max(v128.load(hs, 48), z), 48);
    }
  }
}

/**
 * d <= 2 with one output (low-dimensional regression, the common sweep cell): the whole
 * forward pass of a unit in one loop with every operand in a register.
 */
function forwardSmall(
  x: usize,
  stride: i32,
  d: i32,
  m: i32,
  params: usize,
  out: usize,
  h: usize,
  bs: i32,
): void {
  const w1 = w1Of(params);
  const b1 = b1Of(params, d, m);
  const w2 = w2Of(params, d, m);
  const x1 = at(x, stride);
  const z = zero();
  for (let j = 0; j < m; j++) {
    const hj = at(h, j * bs);
    const b = f32x4.splat(load<f32>(at(b1, j)));
    const w0 = f32x4.splat(load<f32>(at(w1, j * d)));
    const v = f32x4.splat(load<f32>(at(w2, j)));
    if (d == 1) {
      for (let s = 0; s < bs; s += 16) {
        const xs = at(x, s);
        const hs = at(hj, s);
        const o = at(out, s);
        const h0 = f32x4.max(f32x4.add(b, f32x4.mul(w0, v128.load(xs))), z);
        const h1 = f32x4.max(f32x4.add(b, f32x4.mul(w0, v128.load(xs, 16))), z);
        const h2 = f32x4.max(f32x4.add(b, f32x4.mul(w0, v128.load(xs, 32))), z);
        const h3 = f32x4.max(f32x4.add(b, f32x4.mul(w0, v128.load(xs, 48))), z);
        v128.store(hs, h0);
        v128.store(hs, h1, 16);
        v128.store(hs, h2, 32);
        v128.store(hs, h3, 48);
        v128.store(o, f32x4.add(v128.load(o), f32x4.mul(v, h0)));
        v128.store(o, f32x4.add(v128.load(o, 16), f32x4.mul(v, h1)), 16);
        v128.store(o, f32x4.add(v128.load(o, 32), f32x4.mul(v, h2)), 32);
        v128.store(o, f32x4.add(v128.load(o, 48), f32x4.mul(v, h3)), 48);
      }
    } else {
      const w1j = f32x4.splat(load<f32>(at(w1, j * d + 1)));
      for (let s = 0; s < bs; s += 16) {
        const xs = at(x, s);
        const ys = at(x1, s);
        const hs = at(hj, s);
        const o = at(out, s);
        const h0 = f32x4.max(
          f32x4.add(f32x4.add(b, f32x4.mul(w0, v128.load(xs))), f32x4.mul(w1j, v128.load(ys))),
          z,
        );
        const h1 = f32x4.max(
          f32x4.add(
            f32x4.add(b, f32x4.mul(w0, v128.load(xs, 16))),
            f32x4.mul(w1j, v128.load(ys, 16)),
          ),
          z,
        );
        const h2 = f32x4.max(
          f32x4.add(
            f32x4.add(b, f32x4.mul(w0, v128.load(xs, 32))),
            f32x4.mul(w1j, v128.load(ys, 32)),
          ),
          z,
        );
        const h3 = f32x4.max(
          f32x4.add(
            f32x4.add(b, f32x4.mul(w0, v128.load(xs, 48))),
            f32x4.mul(w1j, v128.load(ys, 48)),
          ),
          z,
        );
        v128.store(hs, h0);
        v128.store(hs, h1, 16);
        v128.store(hs, h2, 32);
        v128.store(hs, h3, 48);
        v128.store(o, f32x4.add(v128.load(o), f32x4.mul(v, h0)));
        v128.store(o, f32x4.add(v128.load(o, 16), f32x4.mul(v, h1)), 16);
        v128.store(o, f32x4.add(v128.load(o, 32), f32x4.mul(v, h2)), 32);
        v128.store(o, f32x4.add(v128.load(o, 48), f32x4.mul(v, h3)), 48);
      }
    }
  }
}
