import type * as Tf from '@tensorflow/tfjs';
import { ValidationError } from '../../shared/errors.js';
import { chooseOptimizer, type OptimizerName } from '../../shared/optimizer-choice.js';
import type { NetworkWeights } from '../../shared/network.js';
import type { ResolvedTrainSpec } from '../../shared/spec/schema.js';
import type { TrainingData } from '../../shared/training-data.js';
import type { TfModule } from '../tfjs.js';
import { trainingLoss } from './loss.js';
import { lossCurveSteps } from './loss-curve.js';
import { MinibatchSampler } from './minibatch.js';
import { createOptimizer } from './optimizer.js';
import { learningRateAt } from './schedule.js';

/** Training stops as diverged once the loss exceeds this multiple of the initial loss. */
export const DIVERGENCE_FACTOR = 1e6;

/**
 * Training runs synchronous tfjs ops; this often it hands the event loop a turn so that a
 * cancellation (abort signal, IPC message) gets through. Units: ms.
 */
const YIELD_INTERVAL_MS = 20;

export interface TrainNetworkInput {
  readonly tf: TfModule;
  readonly data: TrainingData;
  /** The starting point; left untouched (training works on copies). */
  readonly init: NetworkWeights;
  readonly train: Pick<
    ResolvedTrainSpec,
    'steps' | 'lr' | 'optimizer' | 'momentum' | 'schedule' | 'batch' | 'loss' | 'init'
  >;
  /** Seeds the minibatch order; unused when training full batch. */
  readonly shuffleSeed: number;
  /** Checked between steps (at least every 20 ms); aborting rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
}

export interface TrainResult {
  readonly weights: NetworkWeights;
  /** Optimizer updates applied (fewer than asked when training diverged). */
  readonly steps: number;
  /**
   * [step, loss on the whole training set after `step` updates], at most 200 evenly spaced
   * points from step 0 to the last step. On divergence it ends with the offending loss, which
   * may be NaN or Infinity.
   */
  readonly lossCurve: ReadonlyArray<readonly [number, number]>;
  /** The last loss in lossCurve. */
  readonly trainLoss: number;
  readonly trainMs: number;
  /** Why training stopped early (NaN or exploding loss, with the step), or null. */
  readonly divergence: string | null;
}

/**
 * Trains g(x) = W2 relu(W1 x + b1) + b2 from `init` on `data`: full batch when train.batch is 0
 * (or covers all points), else seeded minibatches. Every tensor it creates is disposed before it
 * returns or throws. Reads a value back from the backend only at the ≤200 recorded steps.
 */
export async function trainNetwork(input: TrainNetworkInput): Promise<TrainResult> {
  const { tf, data, init, train, signal } = input;
  checkInput(data, init, train.loss);
  if (train.init === 'reference') {
    throw new ValidationError('train.init', 'reference needs the fused backend; use random');
  }
  const method = tfjsOptimizer(
    chooseOptimizer(train, { dim: init.dim, width: init.width, samples: data.n }),
  );
  signal?.throwIfAborted();
  const startMs = performance.now();
  const owned: Tf.Tensor[] = [];
  const own = <T extends Tf.Tensor>(tensor: T): T => {
    owned.push(tensor);
    return tensor;
  };
  try {
    const x = own(tf.tensor2d(data.x, [data.n, data.dim]));
    const y = own(tf.tensor2d(data.y, [data.n, data.outputs]));
    // tidy frees the upload; the variable holds its own reference to the data.
    const variable = (make: () => Tf.Tensor): Tf.Variable =>
      own(tf.tidy(() => tf.variable(make())));
    const w1 = variable(() => tf.tensor2d(init.w1, [init.width, init.dim]));
    const b1 = variable(() => tf.tensor1d(init.b1));
    const w2 = variable(() => tf.tensor2d(init.w2, [init.outputs, init.width]));
    const b2 = variable(() => tf.tensor1d(init.b2));
    const params = [w1, b1, w2, b2];
    const optimizer = createOptimizer(tf, { optimizer: method, momentum: train.momentum }, params);
    const lossOf = (xb: Tf.Tensor2D, yb: Tf.Tensor2D): Tf.Scalar => {
      // Not tf.fused.matMul: on wasm (tfjs 4.22) it adds the bias wrongly with transposeB.
      const h = tf.relu(tf.add(tf.matMul(xb, w1, false, true), b1));
      const out = tf.add<Tf.Tensor2D>(tf.matMul(h, w2, false, true), b2);
      return trainingLoss(tf, train.loss, out, yb);
    };
    // One update on (xb, yb); returns the loss before it, still on the backend.
    const update = (xb: Tf.Tensor2D, yb: Tf.Tensor2D, lr: number): Tf.Scalar => {
      const { value, grads } = tf.variableGrads(() => lossOf(xb, yb), params);
      optimizer.apply(
        params.map((p) => {
          const grad = grads[p.name];
          if (grad === undefined) throw new Error(`no gradient for variable ${p.name}`);
          return grad;
        }),
        lr,
      );
      return value;
    };
    const fullLoss = (): number => {
      const loss = tf.tidy(() => lossOf(x, y));
      try {
        return scalarValue(loss);
      } finally {
        loss.dispose();
      }
    };
    const sampler =
      train.batch === 0 || train.batch >= data.n
        ? null
        : new MinibatchSampler(data.n, train.batch, input.shuffleSeed);

    try {
      const curve = new LossCurveRecorder(lossCurveSteps(train.steps));
      let steps = 0;
      let lastYieldMs = performance.now();
      for (let s = 0; s < train.steps; s++) {
        const lr = learningRateAt(train.schedule, train.lr, s, train.steps);
        if (sampler === null) {
          // The loss that comes with the gradient is the loss after s updates: no extra pass.
          const loss = tf.tidy(() => update(x, y, lr));
          steps = s + 1;
          const healthy = curve.wants(s) ? curve.add(s, scalarValue(loss)) : true;
          loss.dispose();
          if (!healthy) break;
        } else {
          if (curve.wants(s) && !curve.add(s, fullLoss())) break;
          const indices = sampler.next();
          tf.tidy(() => {
            const batch = tf.tensor1d(indices, 'int32');
            update(tf.gather(x, batch), tf.gather(y, batch), lr);
          });
          steps = s + 1;
        }
        if (performance.now() - lastYieldMs >= YIELD_INTERVAL_MS) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          signal?.throwIfAborted();
          lastYieldMs = performance.now();
        }
      }
      if (curve.divergence === null) curve.add(train.steps, fullLoss());
      const weights: NetworkWeights = {
        dim: init.dim,
        width: init.width,
        outputs: init.outputs,
        output: init.output,
        w1: readFloats(w1),
        b1: readFloats(b1),
        w2: readFloats(w2),
        b2: readFloats(b2),
      };
      const points = curve.points;
      return {
        weights,
        steps,
        lossCurve: points,
        trainLoss: points[points.length - 1]?.[1] ?? Number.NaN,
        trainMs: performance.now() - startMs,
        divergence: curve.divergence,
      };
    } finally {
      optimizer.dispose();
    }
  } finally {
    for (const tensor of owned) tensor.dispose();
  }
}

/** Collects the loss curve and decides, point by point, whether training has diverged. */
export class LossCurveRecorder {
  readonly points: Array<readonly [number, number]> = [];
  divergence: string | null = null;
  private next = 0;
  private initialLoss = Number.NaN;

  constructor(private readonly steps: readonly number[]) {}

  wants(step: number): boolean {
    return this.steps[this.next] === step;
  }

  /** Records the loss after `step` updates; false when it shows divergence. */
  add(step: number, loss: number): boolean {
    this.points.push([step, loss]);
    this.next += 1;
    if (this.points.length === 1) this.initialLoss = loss;
    if (!Number.isFinite(loss)) {
      this.divergence = `loss is ${loss} at step ${step}`;
    } else if (this.initialLoss > 0 && loss > DIVERGENCE_FACTOR * this.initialLoss) {
      this.divergence =
        `loss ${loss.toPrecision(4)} at step ${step} exceeds ${DIVERGENCE_FACTOR} × ` +
        `the initial loss ${this.initialLoss.toPrecision(4)}`;
    }
    return this.divergence === null;
  }
}

/** The tfjs trainer runs the first-order optimizers; the others need the fused kernel. */
function tfjsOptimizer(name: OptimizerName): 'adam' | 'sgd' {
  if (name === 'adam' || name === 'sgd') return name;
  throw new ValidationError(
    'train.optimizer',
    `${name} runs on the fused backend only (--backend fused); tfjs backends train with adam or sgd`,
  );
}

function scalarValue(tensor: Tf.Tensor): number {
  const values = tensor.dataSync();
  return Number(values[0]);
}

function readFloats(tensor: Tf.Tensor): Float32Array {
  // A copy: some backends hand out views of memory they reuse.
  return Float32Array.from(tensor.dataSync() as Float32Array);
}

export function checkInput(data: TrainingData, init: NetworkWeights, loss: string): void {
  if (data.dim !== init.dim || data.outputs !== init.outputs) {
    throw new RangeError(
      `training data is ${data.dim}-d with ${data.outputs} outputs, the network ` +
        `${init.dim}-d with ${init.outputs}`,
    );
  }
  if (data.x.length !== data.n * data.dim || data.y.length !== data.n * data.outputs) {
    throw new RangeError(`training data arrays do not match n = ${data.n}`);
  }
  const softmax = init.output === 'softmax';
  if (softmax !== (loss === 'cross-entropy')) {
    throw new ValidationError(
      'train.loss',
      softmax
        ? `expected cross-entropy for a classification (softmax) network, got "${loss}"`
        : `cross-entropy needs a classification target, got a regression one`,
    );
  }
}
