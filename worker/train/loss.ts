import type * as Tf from '@tensorflow/tfjs';
import type { LossName } from '../../shared/targets/target.js';
import type { TfModule } from '../tfjs.js';

/**
 * The training loss of network outputs `out` against targets `y`, both [n, outputs]:
 * mse = mean (out - y)², l1 = mean |out - y|, cross-entropy = mean over points of
 * -Σ_k y_k log softmax(out)_k with `out` the logits and `y` one-hot.
 */
export function trainingLoss(
  tf: TfModule,
  loss: LossName,
  out: Tf.Tensor2D,
  y: Tf.Tensor2D,
): Tf.Scalar {
  switch (loss) {
    case 'mse':
      return tf.mean<Tf.Scalar>(tf.squaredDifference(out, y));
    case 'l1':
      return tf.mean<Tf.Scalar>(tf.abs(tf.sub(out, y)));
    case 'cross-entropy':
      return tf.neg(tf.mean<Tf.Scalar>(tf.sum(tf.mul(y, tf.logSoftmax(out)), 1)));
  }
}
