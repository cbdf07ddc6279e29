// Optimizer updates over the first `count` floats of the parameter vector, in the same operation
// order as worker/train/optimizer.ts so that both backends round alike. A count that is not a
// multiple of 4 (the hidden layer alone, for least-squares training) ends with scalar steps.

import { at } from './simd';

/**
 * Adam with the bias correction folded into the step: `alpha` = lr sqrt(1-b2^t)/(1-b1^t) and
 * `epsHat` = eps sqrt(1-b2^t), computed by the caller for step t.
 */
export function adamUpdate(
  params: usize,
  grad: usize,
  m1: usize,
  m2: usize,
  count: i32,
  alpha: f32,
  epsHat: f32,
  beta1: f32,
  beta2: f32,
): void {
  const b1 = f32x4.splat(beta1);
  const c1 = f32x4.splat(<f32>1 - beta1);
  const b2 = f32x4.splat(beta2);
  const c2 = f32x4.splat(<f32>1 - beta2);
  const a = f32x4.splat(alpha);
  const e = f32x4.splat(epsHat);
  const whole = count & ~3;
  for (let i = 0; i < whole; i += 4) {
    const g = v128.load(at(grad, i));
    const m = f32x4.add(f32x4.mul(v128.load(at(m1, i)), b1), f32x4.mul(g, c1));
    const v = f32x4.add(f32x4.mul(v128.load(at(m2, i)), b2), f32x4.mul(f32x4.mul(g, g), c2));
    v128.store(at(m1, i), m);
    v128.store(at(m2, i), v);
    const step = f32x4.mul(a, f32x4.div(m, f32x4.add(f32x4.sqrt(v), e)));
    v128.store(at(params, i), f32x4.sub(v128.load(at(params, i)), step));
  }
  for (let i = whole; i < count; i++) {
    const g = load<f32>(at(grad, i));
    const m = load<f32>(at(m1, i)) * beta1 + g * (<f32>1 - beta1);
    const v = load<f32>(at(m2, i)) * beta2 + g * g * (<f32>1 - beta2);
    store<f32>(at(m1, i), m);
    store<f32>(at(m2, i), v);
    store<f32>(at(params, i), load<f32>(at(params, i)) - alpha * (m / (Mathf.sqrt(v) + epsHat)));
  }
}

/** SGD with heavy-ball momentum in PyTorch's form (buf = mu buf + g); mu = 0 skips the buffer. */
export function sgdUpdate(
  params: usize,
  grad: usize,
  buf: usize,
  count: i32,
  lr: f32,
  mu: f32,
): void {
  const rate = f32x4.splat(lr);
  const momentum = f32x4.splat(mu);
  const whole = count & ~3;
  for (let i = 0; i < whole; i += 4) {
    let dir = v128.load(at(grad, i));
    if (mu != 0) {
      dir = f32x4.add(f32x4.mul(v128.load(at(buf, i)), momentum), dir);
      v128.store(at(buf, i), dir);
    }
    v128.store(at(params, i), f32x4.sub(v128.load(at(params, i)), f32x4.mul(rate, dir)));
  }
  for (let i = whole; i < count; i++) {
    let dir = load<f32>(at(grad, i));
    if (mu != 0) {
      dir = load<f32>(at(buf, i)) * mu + dir;
      store<f32>(at(buf, i), dir);
    }
    store<f32>(at(params, i), load<f32>(at(params, i)) - lr * dir);
  }
}
