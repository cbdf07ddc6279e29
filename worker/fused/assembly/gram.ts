// The normal equations of the output layer: with the hidden layer fixed, the outputs are linear
// in the features phi(x) = (relu(w1 x + b1), 1), and the least-squares output weights solve
// (sum phi phi^T) c = sum phi y. This pass accumulates both sums over the data in one sweep.
//
// In float64: the Gram matrix of ReLU features is badly conditioned (neighbouring ramps are
// nearly parallel; its condition number grows like m^4 in 1-D), and float32 sums (relative error
// ~1e-7) already swamp its small eigenvalues at width 64. The features themselves stay the
// float32 values the network computes; their products are exact in float64.

import { hiddenBlock } from './forward';
import { at } from './simd';

/**
 * Adds sum_s phi_s phi_s^T to `a` ((m+1) x (m+1) float64, row-major; only entries with column
 * >= row are guaranteed, the rest may hold partial copies) and sum_s phi_s y_s^T to `rhs`
 * ((m+1) x k float64), over the n samples at `x`/`y` (rows `stride` floats apart, zero beyond
 * n). `h` is scratch for R x block floats and `h64` for R x block doubles, R = (m + 3) & ~3;
 * block is a multiple of 16.
 */
export function normalEquations(
  x: usize,
  y: usize,
  n: i32,
  stride: i32,
  d: i32,
  m: i32,
  k: i32,
  params: usize,
  a: usize,
  rhs: usize,
  h: usize,
  h64: usize,
  block: i32,
): void {
  const rows = (m + 3) & ~3;
  const cols = m + 1;
  for (let p0 = 0; p0 < n; p0 += block) {
    const valid = min(block, n - p0);
    const bs = min(block, (valid + 15) & ~15);
    hiddenBlock(at(x, p0), stride, d, m, params, h, bs);
    // Padding samples have x = 0 but relu(b1) need not be 0: they must not count. Rows past m
    // are zero so that the 2 x 4 tiles below never need an edge case.
    for (let j = 0; j < rows; j++) {
      const src = at(h, j * bs);
      const dst = h64 + ((<usize>(j * bs)) << 3);
      for (let s = 0; s < bs; s += 4) {
        let v = v128.load(at(src, s));
        if (j >= m || s + 4 > valid) v = maskTail(v, j >= m ? 0 : valid - s);
        v128.store(dst + ((<usize>s) << 3), f64x2.promote_low_f32x4(v));
        v128.store(
          dst + ((<usize>s) << 3),
          f64x2.promote_low_f32x4(f32x4.shuffle(v, v, 2, 3, 0, 1)),
          16,
        );
      }
    }
    for (let jb = 0; jb < m; jb += 2) {
      for (let lb = jb & ~3; lb < m; lb += 4) tile(h64, bs, jb, lb, m, cols, a);
    }
    for (let j = 0; j < m; j++) {
      const hj = h64 + ((<usize>(j * bs)) << 3);
      let acc = f64x2.splat(0);
      for (let s = 0; s < bs; s += 2) acc = f64x2.add(acc, v128.load(hj + ((<usize>s) << 3)));
      addF64(a, j * cols + m, sum2(acc));
      for (let c = 0; c < k; c++) {
        const yc = at(y, c * stride + p0);
        let dot: f64 = 0;
        for (let s = 0; s < valid; s++) {
          dot += load<f64>(hj + ((<usize>s) << 3)) * <f64>load<f32>(at(yc, s));
        }
        addF64(rhs, j * k + c, dot);
      }
    }
    addF64(a, m * cols + m, <f64>valid);
    for (let c = 0; c < k; c++) {
      const yc = at(y, c * stride + p0);
      let sum: f64 = 0;
      for (let s = 0; s < valid; s++) sum += <f64>load<f32>(at(yc, s));
      addF64(rhs, m * k + c, sum);
    }
  }
}

/** Keeps the first `keep` lanes (0-4) of `v`, zeroing the rest. */
function maskTail(v: v128, keep: i32): v128 {
  if (keep <= 0) return f32x4.splat(0);
  if (keep >= 4) return v;
  const lanes = i32x4(0, 1, 2, 3);
  return v128.and(v, i32x4.lt_s(lanes, i32x4.splat(keep)));
}

function sum2(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

function addF64(base: usize, index: i32, value: f64): void {
  const p = base + ((<usize>index) << 3);
  store<f64>(p, load<f64>(p) + value);
}

/** Rows jb, jb+1 against columns lb..lb+3 of the Gram matrix: eight dot products at once. */
function tile(h: usize, bs: i32, jb: i32, lb: i32, m: i32, cols: i32, a: usize): void {
  const rowBytes = (<usize>bs) << 3;
  const r0 = h + <usize>jb * rowBytes;
  const r1 = r0 + rowBytes;
  const q0 = h + <usize>lb * rowBytes;
  const q1 = q0 + rowBytes;
  const q2 = q1 + rowBytes;
  const q3 = q2 + rowBytes;
  let s00 = f64x2.splat(0);
  let s01 = f64x2.splat(0);
  let s02 = f64x2.splat(0);
  let s03 = f64x2.splat(0);
  let s10 = f64x2.splat(0);
  let s11 = f64x2.splat(0);
  let s12 = f64x2.splat(0);
  let s13 = f64x2.splat(0);
  for (let off: usize = 0; off < rowBytes; off += 16) {
    const u = v128.load(r0 + off);
    const v = v128.load(r1 + off);
    const e0 = v128.load(q0 + off);
    const e1 = v128.load(q1 + off);
    const e2 = v128.load(q2 + off);
    const e3 = v128.load(q3 + off);
    s00 = f64x2.add(s00, f64x2.mul(u, e0));
    s01 = f64x2.add(s01, f64x2.mul(u, e1));
    s02 = f64x2.add(s02, f64x2.mul(u, e2));
    s03 = f64x2.add(s03, f64x2.mul(u, e3));
    s10 = f64x2.add(s10, f64x2.mul(v, e0));
    s11 = f64x2.add(s11, f64x2.mul(v, e1));
    s12 = f64x2.add(s12, f64x2.mul(v, e2));
    s13 = f64x2.add(s13, f64x2.mul(v, e3));
  }
  const row0 = jb * cols + lb;
  const row1 = row0 + cols;
  addF64(a, row0, sum2(s00));
  if (lb + 1 < m) addF64(a, row0 + 1, sum2(s01));
  if (lb + 2 < m) addF64(a, row0 + 2, sum2(s02));
  if (lb + 3 < m) addF64(a, row0 + 3, sum2(s03));
  if (jb + 1 < m) {
    addF64(a, row1, sum2(s10));
    if (lb + 1 < m) addF64(a, row1 + 1, sum2(s11));
    if (lb + 2 < m) addF64(a, row1 + 2, sum2(s12));
    if (lb + 3 < m) addF64(a, row1 + 3, sum2(s13));
  }
}
