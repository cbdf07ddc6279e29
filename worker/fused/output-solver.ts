import { solveOutputLayer, type NormalEquations } from '../train/lsgd.js';
import type { KernelExports } from './kernel.js';
import { roundUp, type KernelMemory, type Region } from './kernel-memory.js';

/** What the solver needs of the network it serves (a FusedNet). */
export interface SolverHost {
  readonly dim: number;
  readonly width: number;
  readonly outputs: number;
  readonly block: number;
  readonly memory: KernelMemory;
  readonly params: Region;
  readonly data: {
    readonly n: number;
    readonly stride: number;
    readonly x: Region;
    readonly y: Region;
  };
}

/**
 * The least-squares fit of the output layer for lsgd (worker/train/lsgd.ts), all in the kernel:
 * one pass over the data for the float64 normal equations, then a float64 Cholesky solve with
 * the ridge policy of solveOutputLayer. Its buffers are allocated on first use and reused.
 */
export class OutputLayerSolver {
  readonly #host: SolverHost;
  readonly #kernel: KernelExports;
  readonly #a: Region;
  readonly #rhs: Region;
  readonly #h: Region;
  readonly #h64: Region;
  readonly #factor: Region;
  readonly #solution: Region;
  readonly #column: Region;

  constructor(host: SolverHost, kernel: KernelExports) {
    this.#host = host;
    this.#kernel = kernel;
    const { memory, width, outputs } = host;
    const size = width + 1;
    const rows = roundUp(width, 4) * host.block;
    this.#a = memory.allocF64(size * size);
    this.#rhs = memory.allocF64(size * outputs);
    this.#h = memory.alloc(rows);
    this.#h64 = memory.allocF64(rows);
    this.#factor = memory.allocF64(size * size);
    this.#solution = memory.allocF64(size * outputs);
    this.#column = memory.allocF64(size);
  }

  /** The normal equations at the host's current hidden layer (views, valid until the next call). */
  normalEquations(): NormalEquations {
    const { memory, width: m, outputs: k, data } = this.#host;
    memory.f64(this.#a).fill(0);
    memory.f64(this.#rhs).fill(0);
    this.#kernel.normalEquations(
      data.x.ptr,
      data.y.ptr,
      data.n,
      data.stride,
      this.#host.dim,
      m,
      k,
      this.#host.params.ptr,
      this.#a.ptr,
      this.#rhs.ptr,
      this.#h.ptr,
      this.#h64.ptr,
      this.#host.block,
    );
    return { a: memory.f64(this.#a), rhs: memory.f64(this.#rhs), m, k, n: data.n };
  }

  /** The ridge least-squares output layer, (m+1) x k: unit weights, then the biases. */
  solve(ridge: number): Float64Array {
    const eq = this.normalEquations();
    const size = this.#host.width + 1;
    const kernel = this.#kernel;
    return solveOutputLayer(
      eq,
      {
        factor: (shift) =>
          kernel.ridgeCholesky(this.#a.ptr, this.#factor.ptr, size, this.#host.width, shift) === 1,
        solve: () => {
          kernel.choleskySolve(
            this.#factor.ptr,
            size,
            this.#rhs.ptr,
            this.#host.outputs,
            this.#solution.ptr,
            this.#column.ptr,
          );
          return this.#host.memory.f64(this.#solution);
        },
      },
      ridge,
    );
  }
}
