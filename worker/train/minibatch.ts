import { Rng } from '../../shared/random.js';

/**
 * Minibatch indices from a stream of seeded random permutations of 0..n-1: every point is seen
 * once per epoch, and a batch that runs past the end of an epoch continues into the next one,
 * so all batches have the same size (no ragged last batch, no dropped points).
 */
export class MinibatchSampler {
  private readonly rng: Rng;
  private readonly order: Int32Array;
  private readonly batch: Int32Array;
  private position: number;

  constructor(n: number, batchSize: number, seed: number) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`expected n >= 1, got ${n}`);
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > n) {
      throw new RangeError(`expected a batch size in [1, ${n}], got ${batchSize}`);
    }
    this.rng = new Rng(seed);
    this.order = Int32Array.from({ length: n }, (_, i) => i);
    this.batch = new Int32Array(batchSize);
    this.position = n;
  }

  /** The next batch's indices; the array is reused by the following call. */
  next(): Int32Array {
    const n = this.order.length;
    for (let i = 0; i < this.batch.length; i++) {
      if (this.position === n) this.shuffle();
      this.batch[i] = this.order[this.position++] as number;
    }
    return this.batch;
  }

  /** Fisher-Yates on the previous order, so each epoch's permutation depends only on the seed. */
  private shuffle(): void {
    const order = this.order;
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(this.rng.next() * (i + 1));
      const tmp = order[i] as number;
      order[i] = order[j] as number;
      order[j] = tmp;
    }
    this.position = 0;
  }
}
