// The backward half of a training step on one block of samples: with the output derivatives r
// (k rows) and the hidden activations h (m rows) of the block still in cache, every gradient
// is a sum over the block's samples, accumulated lane-wise in registers and added to `grad`
// once per unit and block.

import { b1Of, b2Of, w1Of, w2Of } from './layout';
import { at, hsum, maskPositive, zero } from './simd';

/**
 * Adds the block's contribution to every gradient. `r` holds dL/dout (k rows of `bs` floats,
 * zero on padding samples), `h` the activations from forwardBlock, `dh` is scratch for `bs`
 * floats, `x` the block's inputs (rows `stride` floats apart).
 */
export function backwardBlock(
  x: usize,
  stride: i32,
  d: i32,
  m: i32,
  k: i32,
  params: usize,
  grad: usize,
  r: usize,
  h: usize,
  dh: usize,
  bs: i32,
): void {
  const gb2 = b2Of(grad, d, m, k);
  for (let c = 0; c < k; c++) {
    const row = at(r, c * bs);
    let acc = zero();
    for (let s = 0; s < bs; s += 4) acc = f32x4.add(acc, v128.load(at(row, s)));
    store<f32>(at(gb2, c), load<f32>(at(gb2, c)) + hsum(acc));
  }
  if (k == 1 && d <= 2) {
    backwardSmall(x, stride, d, m, params, grad, r, h, bs);
    return;
  }
  const w2 = w2Of(params, d, m);
  const gw1 = w1Of(grad);
  const gb1 = b1Of(grad, d, m);
  const gw2 = w2Of(grad, d, m);
  for (let j = 0; j < m; j++) {
    const hj = at(h, j * bs);
    // dL/dpre_j = (sum_c w2[j][c] r_c) * 1[h_j > 0], with the w2 gradients on the way.
    for (let c = 0; c < k; c++) {
      const v = f32x4.splat(load<f32>(at(w2, j * k + c)));
      const row = at(r, c * bs);
      let acc = zero();
      for (let s = 0; s < bs; s += 4) {
        const rs = v128.load(at(row, s));
        acc = f32x4.add(acc, f32x4.mul(rs, v128.load(at(hj, s))));
        const vr = f32x4.mul(v, rs);
        v128.store(at(dh, s), c == 0 ? vr : f32x4.add(v128.load(at(dh, s)), vr));
      }
      store<f32>(at(gw2, j * k + c), load<f32>(at(gw2, j * k + c)) + hsum(acc));
    }
    let accB = zero();
    for (let s = 0; s < bs; s += 4) {
      const g = maskPositive(v128.load(at(dh, s)), v128.load(at(hj, s)));
      v128.store(at(dh, s), g);
      accB = f32x4.add(accB, g);
    }
    store<f32>(at(gb1, j), load<f32>(at(gb1, j)) + hsum(accB));
    for (let i = 0; i < d; i++) {
      const xi = at(x, i * stride);
      let a0 = zero();
      let a1 = zero();
      for (let s = 0; s < bs; s += 8) {
        a0 = f32x4.add(a0, f32x4.mul(v128.load(at(dh, s)), v128.load(at(xi, s))));
        a1 = f32x4.add(a1, f32x4.mul(v128.load(at(dh, s), 16), v128.load(at(xi, s), 16)));
      }
      store<f32>(at(gw1, j * d + i), load<f32>(at(gw1, j * d + i)) + hsum(f32x4.add(a0, a1)));
    }
  }
}

/** d <= 2 with one output: one loop per unit, all accumulators in registers. */
function backwardSmall(
  x: usize,
  stride: i32,
  d: i32,
  m: i32,
  params: usize,
  grad: usize,
  r: usize,
  h: usize,
  bs: i32,
): void {
  const w2 = w2Of(params, d, m);
  const gw1 = w1Of(grad);
  const gb1 = b1Of(grad, d, m);
  const gw2 = w2Of(grad, d, m);
  const x1 = at(x, stride);
  for (let j = 0; j < m; j++) {
    const hj = at(h, j * bs);
    const v = f32x4.splat(load<f32>(at(w2, j)));
    let accV = zero();
    let accB = zero();
    let acc0 = zero();
    let acc1 = zero();
    for (let s = 0; s < bs; s += 8) {
      const ha = v128.load(at(hj, s));
      const hb = v128.load(at(hj, s), 16);
      const ra = v128.load(at(r, s));
      const rb = v128.load(at(r, s), 16);
      accV = f32x4.add(accV, f32x4.add(f32x4.mul(ra, ha), f32x4.mul(rb, hb)));
      const ga = maskPositive(f32x4.mul(v, ra), ha);
      const gb = maskPositive(f32x4.mul(v, rb), hb);
      accB = f32x4.add(accB, f32x4.add(ga, gb));
      acc0 = f32x4.add(
        acc0,
        f32x4.add(f32x4.mul(ga, v128.load(at(x, s))), f32x4.mul(gb, v128.load(at(x, s), 16))),
      );
      if (d == 2) {
        acc1 = f32x4.add(
          acc1,
          f32x4.add(f32x4.mul(ga, v128.load(at(x1, s))), f32x4.mul(gb, v128.load(at(x1, s), 16))),
        );
      }
    }
    store<f32>(at(gw2, j), load<f32>(at(gw2, j)) + hsum(accV));
    store<f32>(at(gb1, j), load<f32>(at(gb1, j)) + hsum(accB));
    store<f32>(at(gw1, j * d), load<f32>(at(gw1, j * d)) + hsum(acc0));
    if (d == 2) store<f32>(at(gw1, j * d + 1), load<f32>(at(gw1, j * d + 1)) + hsum(acc1));
  }
}
