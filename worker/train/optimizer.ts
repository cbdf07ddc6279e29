import type * as Tf from '@tensorflow/tfjs';
import type { TfModule } from '../tfjs.js';

/** Adam's fixed hyper-parameters (Kingma & Ba 2015 defaults). */
export const ADAM_BETA1 = 0.9;
export const ADAM_BETA2 = 0.999;
export const ADAM_EPSILON = 1e-8;

/**
 * A first-order optimizer over a fixed list of variables. tfjs' own optimizers fix the learning
 * rate at construction; these take it per update so that the schedule can move it.
 */
export interface Optimizer {
  /**
   * Update number `t` (1-based; Adam's bias correction) with `grads[i]` the gradient of
   * `params[i]` and learning rate `lr`. Fewer gradients than parameters update that prefix of
   * the list alone (lsgd: the hidden layer). Call it inside tf.tidy: the intermediate tensors it
   * creates are the caller's to dispose.
   */
  apply(grads: readonly Tf.Tensor[], lr: number, t: number): void;
  /** Frees the optimizer's state tensors; the parameters stay. */
  dispose(): void;
}

export interface OptimizerConfig {
  readonly optimizer: 'adam' | 'sgd';
  /** Heavy-ball momentum for sgd, in [0, 1); 0 is plain gradient descent. */
  readonly momentum: number;
}

export function createOptimizer(
  tf: TfModule,
  config: OptimizerConfig,
  params: readonly Tf.Variable[],
): Optimizer {
  return config.optimizer === 'adam'
    ? createAdam(tf, params)
    : createSgd(tf, params, config.momentum);
}

function zerosLike(tf: TfModule, params: readonly Tf.Variable[]): Tf.Variable[] {
  return params.map((p) => tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
}

function checkGradients(params: readonly Tf.Variable[], grads: readonly Tf.Tensor[]): void {
  if (grads.length < 1 || grads.length > params.length) {
    throw new RangeError(`expected 1 to ${params.length} gradients, got ${grads.length}`);
  }
}

function createAdam(tf: TfModule, params: readonly Tf.Variable[]): Optimizer {
  const m = zerosLike(tf, params);
  const v = zerosLike(tf, params);
  // Kept as tensors so the per-step graph uploads only the two step-dependent scalars.
  const beta1 = tf.keep(tf.scalar(ADAM_BETA1));
  const oneMinusBeta1 = tf.keep(tf.scalar(1 - ADAM_BETA1));
  const beta2 = tf.keep(tf.scalar(ADAM_BETA2));
  const oneMinusBeta2 = tf.keep(tf.scalar(1 - ADAM_BETA2));
  return {
    apply(grads, lr, t) {
      checkGradients(params, grads);
      // Bias correction folded into the step size: lr·m̂/(√v̂ + ε) equals
      // α·m/(√v + ε̂) with α = lr·√(1-β2^t)/(1-β1^t) and ε̂ = ε·√(1-β2^t).
      const correction2 = Math.sqrt(1 - ADAM_BETA2 ** t);
      const alpha = tf.scalar((lr * correction2) / (1 - ADAM_BETA1 ** t));
      const epsHat = tf.scalar(ADAM_EPSILON * correction2);
      grads.forEach((g, i) => {
        const param = params[i] as Tf.Variable;
        const mi = m[i] as Tf.Variable;
        const vi = v[i] as Tf.Variable;
        const mNext = tf.add(tf.mul(mi, beta1), tf.mul(g, oneMinusBeta1));
        const vNext = tf.add(tf.mul(vi, beta2), tf.mul(tf.square(g), oneMinusBeta2));
        mi.assign(mNext);
        vi.assign(vNext);
        param.assign(tf.sub(param, tf.mul(alpha, tf.div(mNext, tf.add(tf.sqrt(vNext), epsHat)))));
      });
    },
    dispose() {
      for (const tensor of [...m, ...v, beta1, oneMinusBeta1, beta2, oneMinusBeta2]) {
        tensor.dispose();
      }
    },
  };
}

function createSgd(tf: TfModule, params: readonly Tf.Variable[], momentum: number): Optimizer {
  if (!(momentum >= 0 && momentum < 1)) {
    throw new RangeError(`sgd momentum must be in [0, 1), got ${momentum}`);
  }
  const velocity = momentum > 0 ? zerosLike(tf, params) : [];
  const mu = tf.keep(tf.scalar(momentum));
  return {
    apply(grads, lr) {
      checkGradients(params, grads);
      const rate = tf.scalar(lr);
      grads.forEach((g, i) => {
        const param = params[i] as Tf.Variable;
        const buf = velocity[i];
        // PyTorch's form, buf = μ·buf + g, so that lr keeps its meaning as momentum changes.
        let direction = g;
        if (buf !== undefined) {
          direction = tf.add(tf.mul(buf, mu), g);
          buf.assign(direction);
        }
        param.assign(tf.sub(param, tf.mul(rate, direction)));
      });
    },
    dispose() {
      for (const tensor of [...velocity, mu]) tensor.dispose();
    },
  };
}
