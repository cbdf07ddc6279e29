import type * as Tf from '@tensorflow/tfjs';
import type { NetworkWeights } from '../../shared/network.js';
import type { LossName } from '../../shared/targets/target.js';
import type { TrainingData } from '../../shared/training-data.js';
import type { TfModule } from '../tfjs.js';
import type { TrainingKernel } from './kernel.js';
import { trainingLoss } from './loss.js';
import {
  accumulateNormalEquations,
  float64RidgeSolver,
  solveOutputLayer,
  type NormalEquations,
} from './lsgd.js';
import { createOptimizer, type Optimizer } from './optimizer.js';
import { packParams, unpackParams } from './param-layout.js';

/**
 * The training kernel on tfjs (wasm, cpu, tfjs-node, tfjs-node-gpu): four variables w1 [m, d],
 * b1 [m], w2 [k, m], b2 [k] and the data as tensors. Losses, gradients and the Adam/SGD updates
 * stay on the backend; a loss comes back as one scalar per call. The least-squares solve reads
 * the hidden activations back (n x m float32) and accumulates the normal equations in float64 in
 * JavaScript, like the fused kernel does in WebAssembly: a float32 Gram matrix of these
 * ill-conditioned features would lose what the 1e-10 ridge keeps. Every tensor it creates is
 * disposed by dispose().
 */
export class TfNet implements TrainingKernel {
  readonly dim: number;
  readonly width: number;
  readonly outputs: number;
  readonly paramCount: number;
  readonly hiddenCount: number;
  readonly #tf: TfModule;
  readonly #output: 'linear' | 'softmax';
  readonly #x: Tf.Tensor2D;
  readonly #y: Tf.Tensor2D;
  readonly #yHost: Float32Array;
  readonly #n: number;
  /** w1, b1 (the hidden layer), w2, b2. */
  readonly #params: readonly Tf.Variable[];
  #batch: { x: Tf.Tensor2D; y: Tf.Tensor2D } | null = null;
  #grads: Tf.Tensor[] = [];
  #adam: Optimizer | null = null;
  #sgd: { optimizer: Optimizer; mu: number } | null = null;

  constructor(tf: TfModule, data: TrainingData, init: NetworkWeights) {
    const { dim, width, outputs } = init;
    if (data.dim !== dim || data.outputs !== outputs) {
      throw new RangeError(
        `training data is ${data.dim}-d with ${data.outputs} outputs, the network ${dim}-d with ${outputs}`,
      );
    }
    this.#tf = tf;
    this.dim = dim;
    this.width = width;
    this.outputs = outputs;
    this.#output = init.output;
    this.paramCount = width * (dim + 1 + outputs) + outputs;
    this.hiddenCount = width * (dim + 1);
    this.#n = data.n;
    this.#yHost = data.y;
    this.#x = tf.keep(tf.tensor2d(data.x, [data.n, dim]));
    this.#y = tf.keep(tf.tensor2d(data.y, [data.n, outputs]));
    // tidy frees the upload; the variable holds its own reference to the data.
    const variable = (make: () => Tf.Tensor): Tf.Variable => tf.tidy(() => tf.variable(make()));
    this.#params = [
      variable(() => tf.tensor2d(init.w1, [width, dim])),
      variable(() => tf.tensor1d(init.b1)),
      variable(() => tf.tensor2d(init.w2, [outputs, width])),
      variable(() => tf.tensor1d(init.b2)),
    ];
  }

  #param(i: number): Tf.Variable {
    const p = this.#params[i];
    if (p === undefined) throw new RangeError(`no parameter ${i}`);
    return p;
  }

  #hidden(x: Tf.Tensor2D): Tf.Tensor2D {
    const tf = this.#tf;
    // Not tf.fused.matMul: on wasm (tfjs 4.22) it adds the bias wrongly with transposeB.
    return tf.relu(tf.add<Tf.Tensor2D>(tf.matMul(x, this.#param(0), false, true), this.#param(1)));
  }

  #forward(x: Tf.Tensor2D): Tf.Tensor2D {
    const tf = this.#tf;
    return tf.add<Tf.Tensor2D>(
      tf.matMul(this.#hidden(x), this.#param(2), false, true),
      this.#param(3),
    );
  }

  lossGradient(loss: LossName, withGradient: boolean, source: 'data' | 'batch' = 'data'): number {
    const tf = this.#tf;
    const set = source === 'batch' ? this.#batch : { x: this.#x, y: this.#y };
    if (set === null) throw new RangeError('lossGradient: no minibatch loaded');
    const lossOf = (): Tf.Scalar => trainingLoss(tf, loss, this.#forward(set.x), set.y);
    if (!withGradient) return scalarOf(tf.tidy(lossOf));
    const { value, grads } = tf.variableGrads(lossOf, [...this.#params]);
    for (const g of this.#grads) g.dispose();
    this.#grads = this.#params.map((p) => {
      const grad = grads[p.name];
      if (grad === undefined) throw new Error(`no gradient for variable ${p.name}`);
      return grad;
    });
    return scalarOf(value);
  }

  loadBatch(indices: Int32Array): void {
    const tf = this.#tf;
    this.#disposeBatch();
    this.#batch = tf.tidy(() => {
      const at = tf.tensor1d(indices, 'int32');
      return { x: tf.keep(tf.gather(this.#x, at)), y: tf.keep(tf.gather(this.#y, at)) };
    });
  }

  /** The kept gradients of the first `count` parameters: all four variables, or w1 and b1. */
  #gradsFor(count: number): Tf.Tensor[] {
    if (this.#grads.length === 0) throw new RangeError('no gradient: call lossGradient first');
    if (count === this.paramCount) return this.#grads;
    if (count === this.hiddenCount) return this.#grads.slice(0, 2);
    throw new RangeError(
      `expected ${this.paramCount} or ${this.hiddenCount} parameters to update, got ${count}`,
    );
  }

  adam(lr: number, t: number, count = this.paramCount): void {
    const grads = this.#gradsFor(count);
    this.#adam ??= createOptimizer(this.#tf, { optimizer: 'adam', momentum: 0 }, this.#params);
    const adam = this.#adam;
    this.#tf.tidy(() => adam.apply(grads, lr, t));
  }

  sgd(lr: number, mu: number, count = this.paramCount): void {
    const grads = this.#gradsFor(count);
    if (this.#sgd !== null && this.#sgd.mu !== mu) {
      throw new RangeError(`sgd momentum changed from ${this.#sgd.mu} to ${mu}`);
    }
    this.#sgd ??= {
      optimizer: createOptimizer(this.#tf, { optimizer: 'sgd', momentum: mu }, this.#params),
      mu,
    };
    const sgd = this.#sgd.optimizer;
    this.#tf.tidy(() => sgd.apply(grads, lr, 0));
  }

  readParams(): Float32Array {
    return packParams(this.weights(), new Float32Array(this.paramCount));
  }

  writeParams(values: ArrayLike<number>): void {
    if (values.length !== this.paramCount) {
      throw new RangeError(`writeParams: expected ${this.paramCount} values, got ${values.length}`);
    }
    const net = unpackParams(values, this.#shape());
    const parts = [net.w1, net.b1, net.w2, net.b2];
    this.#tf.tidy(() =>
      this.#params.forEach((p, i) => p.assign(this.#tf.tensor(parts[i] ?? [], p.shape))),
    );
  }

  readGradient(out: Float64Array): void {
    if (this.#grads.length !== this.#params.length) {
      throw new RangeError('no gradient: call lossGradient first');
    }
    const [w1, b1, w2, b2] = this.#grads.map(readFloats);
    const none = new Float32Array();
    const grad = {
      ...this.#shape(),
      w1: w1 ?? none,
      b1: b1 ?? none,
      w2: w2 ?? none,
      b2: b2 ?? none,
    };
    out.set(packParams(grad, new Float32Array(this.paramCount)));
  }

  normalEquations(): NormalEquations {
    const h = this.#tf.tidy(() => this.#hidden(this.#x));
    const values = readFloats(h);
    h.dispose();
    return accumulateNormalEquations(values, this.#yHost, this.#n, this.width, this.outputs);
  }

  solveOutputLayer(ridge: number): void {
    const eq = this.normalEquations();
    this.setOutputLayer(solveOutputLayer(eq, float64RidgeSolver(eq), ridge));
  }

  setOutputLayer(solution: Float64Array): void {
    const { width: m, outputs: k } = this;
    if (solution.length !== (m + 1) * k) {
      throw new RangeError(
        `setOutputLayer: expected ${(m + 1) * k} values, got ${solution.length}`,
      );
    }
    const w2 = new Float32Array(k * m);
    for (let j = 0; j < m; j++)
      for (let c = 0; c < k; c++) w2[c * m + j] = solution[j * k + c] ?? 0;
    const b2 = Float32Array.from(solution.subarray(m * k));
    const tf = this.#tf;
    tf.tidy(() => {
      this.#param(2).assign(tf.tensor2d(w2, [k, m]));
      this.#param(3).assign(tf.tensor1d(b2));
    });
  }

  predict(x: Float32Array, n: number): Float32Array {
    const out = this.#tf.tidy(() => this.#forward(this.#tf.tensor2d(x, [n, this.dim])));
    const values = readFloats(out);
    out.dispose();
    return values;
  }

  setWeights(net: NetworkWeights): void {
    if (net.dim !== this.dim || net.width !== this.width || net.outputs !== this.outputs) {
      throw new RangeError('setWeights: the network has a different shape');
    }
    this.writeParams(packParams(net, new Float32Array(this.paramCount)));
  }

  resetMoments(): void {
    // The optimizers hold the moments as tensors: dropping them restarts from zero moments.
    this.#adam?.dispose();
    this.#adam = null;
    this.#sgd?.optimizer.dispose();
    this.#sgd = null;
  }

  weights(): NetworkWeights {
    const [w1, b1, w2, b2] = this.#params.map(readFloats);
    return {
      dim: this.dim,
      width: this.width,
      outputs: this.outputs,
      output: this.#output,
      w1: w1 ?? new Float32Array(),
      b1: b1 ?? new Float32Array(),
      w2: w2 ?? new Float32Array(),
      b2: b2 ?? new Float32Array(),
    };
  }

  #disposeBatch(): void {
    this.#batch?.x.dispose();
    this.#batch?.y.dispose();
    this.#batch = null;
  }

  dispose(): void {
    this.#disposeBatch();
    for (const g of this.#grads) g.dispose();
    this.#grads = [];
    this.#adam?.dispose();
    this.#sgd?.optimizer.dispose();
    for (const tensor of [this.#x, this.#y, ...this.#params]) tensor.dispose();
  }

  #shape(): Pick<NetworkWeights, 'dim' | 'width' | 'outputs' | 'output'> {
    return { dim: this.dim, width: this.width, outputs: this.outputs, output: this.#output };
  }
}

function scalarOf(tensor: Tf.Tensor): number {
  try {
    return Number(tensor.dataSync()[0]);
  } finally {
    tensor.dispose();
  }
}

function readFloats(tensor: Tf.Tensor): Float32Array {
  // A copy: some backends hand out views of memory they reuse.
  return Float32Array.from(tensor.dataSync() as Float32Array);
}
