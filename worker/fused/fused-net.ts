import type { NetworkWeights } from '../../shared/network.js';
import type { LossName } from '../../shared/targets/target.js';
import type { TrainingData } from '../../shared/training-data.js';
import type { TrainingKernel } from '../train/kernel.js';
import type { NormalEquations } from '../train/lsgd.js';
import { packParams, unpackParams } from '../train/param-layout.js';
import { ADAM_BETA1, ADAM_BETA2, ADAM_EPSILON } from '../train/optimizer.js';
import { KERNEL_LOSS, type KernelExports } from './kernel.js';
import { KernelMemory, roundUp, type Region } from './kernel-memory.js';
import { OutputLayerSolver } from './output-solver.js';

/** The kernel processes samples in groups of this many (4 SIMD vectors). */
const SAMPLE_QUANTUM = 16;

/**
 * Floats of hidden activations one block may hold: 512 KiB, so that a block's activations stay
 * in a core's L2 cache between the forward and the backward half. Measured on a Zen 5 core
 * (d = 2, widths 64-4096): blocks of 64-512 samples run within 5% of each other, 16-32 up to
 * 20% slower (per-unit overhead), hence the floor.
 */
const BLOCK_ACTIVATIONS = 131072;
const MIN_BLOCK = 64;
const MAX_BLOCK = 512;

export interface FusedNetOptions {
  /** Minibatch size; 0 = full batch only (no minibatch buffers). @default 0 */
  readonly batch?: number;
  /**
   * Samples per kernel block, a multiple of 16. @default 131072 / width rounded down to a
   * multiple of 16, within [64, 512]
   */
  readonly block?: number;
}

/** The block size for a width: activations of one block fit BLOCK_ACTIVATIONS floats. */
export function defaultBlock(width: number): number {
  const fit = Math.floor(BLOCK_ACTIVATIONS / width / SAMPLE_QUANTUM) * SAMPLE_QUANTUM;
  return Math.min(MAX_BLOCK, Math.max(MIN_BLOCK, fit));
}

/** A data set in kernel memory: one row of `stride` floats per input and per output dimension. */
interface KernelData {
  readonly n: number;
  readonly stride: number;
  readonly x: Region;
  readonly y: Region;
}

/**
 * One network and its training data in the memory of one kernel instance: the parameters, their
 * gradient and optimizer state in the kernel's layout (w1 | b1 | w2 transposed | b2), the data
 * transposed and padded. Every method is one kernel call plus O(parameters) JavaScript at most.
 */
export class FusedNet implements TrainingKernel {
  readonly dim: number;
  readonly width: number;
  readonly outputs: number;
  readonly output: 'linear' | 'softmax';
  /** Parameters in the kernel layout. */
  readonly paramCount: number;
  /** The hidden layer's share of the parameter vector (w1 and b1), which comes first. */
  readonly hiddenCount: number;
  readonly block: number;
  readonly memory: KernelMemory;
  readonly params: Region;
  readonly grad: Region;
  readonly data: KernelData;
  readonly #kernel: KernelExports;
  readonly #scratch: Region;
  readonly #minibatch: (KernelData & { readonly indices: Region }) | null;
  #moments: { first: Region; second: Region } | null = null;

  constructor(
    kernel: KernelExports,
    data: TrainingData,
    init: NetworkWeights,
    options: FusedNetOptions = {},
  ) {
    const { dim, width, outputs } = init;
    if (data.dim !== dim || data.outputs !== outputs) {
      throw new RangeError(
        `training data is ${data.dim}-d with ${data.outputs} outputs, the network ${dim}-d with ${outputs}`,
      );
    }
    const block = options.block ?? defaultBlock(width);
    if (!Number.isInteger(block) || block < SAMPLE_QUANTUM || block % SAMPLE_QUANTUM !== 0) {
      throw new RangeError(
        `block: expected a positive multiple of ${SAMPLE_QUANTUM}, got ${block}`,
      );
    }
    const batch = options.batch ?? 0;
    this.#kernel = kernel;
    this.memory = new KernelMemory(kernel);
    this.dim = dim;
    this.width = width;
    this.outputs = outputs;
    this.output = init.output;
    this.block = block;
    this.paramCount = width * (dim + 1 + outputs) + outputs;
    this.hiddenCount = width * (dim + 1);
    // The SIMD update loops read whole vectors: pad the vectors they walk to a multiple of 4.
    const padded = roundUp(this.paramCount, 4);
    this.params = this.memory.alloc(padded);
    this.grad = this.memory.alloc(padded);
    this.#scratch = this.memory.alloc((outputs + roundUp(width, 4) + 1) * block);
    this.data = this.upload(data);
    this.#minibatch =
      batch > 0 && batch < data.n
        ? { ...this.emptyData(batch), indices: this.memory.alloc(batch) }
        : null;
    this.setWeights(init);
  }

  private emptyData(n: number): KernelData {
    const stride = roundUp(n, SAMPLE_QUANTUM);
    return {
      n,
      stride,
      x: this.memory.alloc(this.dim * stride),
      y: this.memory.alloc(this.outputs * stride),
    };
  }

  private upload(data: TrainingData): KernelData {
    const target = this.emptyData(data.n);
    const x = this.memory.f32(target.x);
    const y = this.memory.f32(target.y);
    const { n, dim, outputs, stride } = { ...data, stride: target.stride };
    for (let p = 0; p < n; p++) {
      for (let i = 0; i < dim; i++) x[i * stride + p] = data.x[p * dim + i] ?? 0;
      for (let c = 0; c < outputs; c++) y[c * stride + p] = data.y[p * outputs + c] ?? 0;
    }
    return target;
  }

  /** Copies `net`'s weights into the parameter vector. */
  setWeights(net: NetworkWeights): void {
    if (net.dim !== this.dim || net.width !== this.width || net.outputs !== this.outputs) {
      throw new RangeError('setWeights: the network has a different shape');
    }
    packParams(net, this.memory.f32(this.params));
  }

  /** The current weights as a NetworkWeights (fresh arrays). */
  weights(): NetworkWeights {
    return this.unpack(this.memory.f32(this.params));
  }

  /** The gradient of the last lossGradient call, laid out like NetworkWeights (fresh arrays). */
  gradient(): NetworkWeights {
    return this.unpack(this.memory.f32(this.grad));
  }

  private unpack(p: Float32Array): NetworkWeights {
    return unpackParams(p, this);
  }

  /** A live view of the parameter vector (invalidated when kernel memory grows). */
  paramView(): Float32Array {
    return this.memory.f32(this.params).subarray(0, this.paramCount);
  }

  /** A live view of the gradient from the last lossGradient call with a gradient. */
  gradView(): Float32Array {
    return this.memory.f32(this.grad).subarray(0, this.paramCount);
  }

  readParams(): Float32Array {
    return this.paramView().slice();
  }

  writeParams(values: ArrayLike<number>): void {
    if (values.length !== this.paramCount) {
      throw new RangeError(`writeParams: expected ${this.paramCount} values, got ${values.length}`);
    }
    this.paramView().set(values);
  }

  readGradient(out: Float64Array): void {
    out.set(this.gradView());
  }

  /** The kernel instance is garbage-collected with the net: nothing to free by hand. */
  dispose(): void {}

  /**
   * Mean loss over the full data set (`source` 'data') or the current minibatch ('batch'); with
   * `withGradient` the gradient lands in `grad` (see gradView).
   */
  lossGradient(loss: LossName, withGradient: boolean, source: 'data' | 'batch' = 'data'): number {
    const set = source === 'batch' ? this.#minibatch : this.data;
    if (set === null) throw new RangeError('lossGradient: no minibatch buffers (batch 0)');
    return this.#kernel.lossGradient(
      set.x.ptr,
      set.y.ptr,
      set.n,
      set.stride,
      this.dim,
      this.width,
      this.outputs,
      KERNEL_LOSS[loss],
      this.params.ptr,
      withGradient ? this.grad.ptr : 0,
      this.#scratch.ptr,
      this.block,
    );
  }

  /** Copies the samples `indices` of the full data set into the minibatch buffers. */
  loadBatch(indices: Int32Array): void {
    const batch = this.#minibatch;
    if (batch === null || indices.length !== batch.n) {
      throw new RangeError(`loadBatch: expected ${batch?.n ?? 0} indices, got ${indices.length}`);
    }
    this.memory.i32(batch.indices).set(indices);
    const { x, y, stride } = this.data;
    this.#kernel.gather(
      x.ptr,
      stride,
      this.dim,
      batch.indices.ptr,
      batch.n,
      batch.x.ptr,
      batch.stride,
    );
    this.#kernel.gather(
      y.ptr,
      stride,
      this.outputs,
      batch.indices.ptr,
      batch.n,
      batch.y.ptr,
      batch.stride,
    );
  }

  /**
   * Adam update number `t` (1-based) with learning rate `lr` on the first `count` parameters
   * (all of them, or hiddenCount for the hidden layer alone).
   */
  adam(lr: number, t: number, count = this.paramCount): void {
    const moments = this.moments();
    const correction2 = Math.sqrt(1 - ADAM_BETA2 ** t);
    this.#kernel.adamUpdate(
      this.params.ptr,
      this.grad.ptr,
      moments.first.ptr,
      moments.second.ptr,
      count,
      (lr * correction2) / (1 - ADAM_BETA1 ** t),
      ADAM_EPSILON * correction2,
      ADAM_BETA1,
      ADAM_BETA2,
    );
  }

  /** SGD with heavy-ball momentum `mu` (0 = plain gradient descent). */
  sgd(lr: number, mu: number, count = this.paramCount): void {
    this.#kernel.sgdUpdate(this.params.ptr, this.grad.ptr, this.moments().first.ptr, count, lr, mu);
  }

  /** Zeroes the Adam / momentum state: a restart from new weights must not inherit it. */
  resetMoments(): void {
    if (this.#moments === null) return;
    this.memory.f32(this.#moments.first).fill(0);
    this.memory.f32(this.#moments.second).fill(0);
  }

  private moments(): { first: Region; second: Region } {
    if (this.#moments === null) {
      const length = this.params.length;
      this.#moments = { first: this.memory.alloc(length), second: this.memory.alloc(length) };
    }
    return this.#moments;
  }

  /** Network outputs (logits for softmax nets) at the n points `x` (row-major n x dim). */
  predict(x: Float32Array, n: number): Float32Array {
    const data = this.emptyDataOnce(n);
    const view = this.memory.f32(data.x);
    view.fill(0);
    for (let p = 0; p < n; p++) {
      for (let i = 0; i < this.dim; i++) view[i * data.stride + p] = x[p * this.dim + i] ?? 0;
    }
    this.#kernel.predict(
      data.x.ptr,
      n,
      data.stride,
      this.dim,
      this.width,
      this.outputs,
      this.params.ptr,
      data.y.ptr,
      this.#scratch.ptr,
      this.block,
    );
    const out = this.memory.f32(data.y);
    const result = new Float32Array(n * this.outputs);
    for (let p = 0; p < n; p++) {
      for (let c = 0; c < this.outputs; c++)
        result[p * this.outputs + c] = out[c * data.stride + p] ?? 0;
    }
    return result;
  }

  #predictBuffers: KernelData | null = null;

  private emptyDataOnce(n: number): KernelData {
    if (this.#predictBuffers === null || this.#predictBuffers.n < n) {
      this.#predictBuffers = this.emptyData(n);
    }
    return { ...this.#predictBuffers, n };
  }

  #solver: OutputLayerSolver | null = null;

  /**
   * The normal equations of the output layer for the current hidden layer over the full data
   * set (views into kernel memory, valid until the next call).
   */
  normalEquations(): NormalEquations {
    this.#solver ??= new OutputLayerSolver(this, this.#kernel);
    return this.#solver.normalEquations();
  }

  /** Replaces the output layer by its ridge least-squares fit (see output-solver.ts). */
  solveOutputLayer(ridge: number): void {
    this.#solver ??= new OutputLayerSolver(this, this.#kernel);
    this.setOutputLayer(this.#solver.solve(ridge));
  }

  /** Sets the output layer from a least-squares solution ((m+1) x k: weights, then biases). */
  setOutputLayer(solution: Float64Array): void {
    const length = (this.width + 1) * this.outputs;
    if (solution.length !== length) {
      throw new RangeError(`setOutputLayer: expected ${length} values, got ${solution.length}`);
    }
    this.memory.f32(this.params).set(solution, this.hiddenCount);
  }
}
