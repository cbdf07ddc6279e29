import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { BackendUnavailableError } from '../../shared/errors.js';
import { wasm, type WasmMemory, type WasmModule } from './wasm-api.js';

/**
 * The compiled kernel, written next to this file in dist/worker/fused/ by `npm run build:kernel`
 * from worker/fused/assembly/ (AssemblyScript).
 */
export const KERNEL_URL = new URL('./kernel.wasm', import.meta.url);

/** Loss codes of the kernel (worker/fused/assembly/residual.ts). */
export const KERNEL_LOSS = { mse: 0, l1: 1, 'cross-entropy': 2 } as const;

/**
 * The kernel's exports. Pointers are byte offsets into `memory`; see
 * worker/fused/assembly/index.ts for the data layout each function expects.
 */
export interface KernelExports {
  readonly memory: WasmMemory;
  heapBase(): number;
  lossGradient(
    x: number,
    y: number,
    n: number,
    stride: number,
    d: number,
    m: number,
    k: number,
    loss: number,
    params: number,
    grad: number,
    scratch: number,
    block: number,
  ): number;
  predict(
    x: number,
    n: number,
    stride: number,
    d: number,
    m: number,
    k: number,
    params: number,
    out: number,
    scratch: number,
    block: number,
  ): void;
  gather(
    src: number,
    stride: number,
    rows: number,
    indices: number,
    count: number,
    dst: number,
    batchStride: number,
  ): void;
  adamUpdate(
    params: number,
    grad: number,
    m1: number,
    m2: number,
    count: number,
    alpha: number,
    epsHat: number,
    beta1: number,
    beta2: number,
  ): void;
  sgdUpdate(params: number, grad: number, buf: number, count: number, lr: number, mu: number): void;
  normalEquations(
    x: number,
    y: number,
    n: number,
    stride: number,
    d: number,
    m: number,
    k: number,
    params: number,
    a: number,
    rhs: number,
    h: number,
    h64: number,
    block: number,
  ): void;
  ridgeCholesky(a: number, l: number, size: number, ridgeRows: number, shift: number): number;
  choleskySolve(l: number, size: number, b: number, k: number, x: number, column: number): void;
}

/** The compiled module and a content hash of it, for the versions recorded with each result. */
export interface CompiledKernel {
  readonly module: WasmModule;
  /** First 12 hex digits of the SHA-256 of the .wasm file. */
  readonly hash: string;
}

let compiled: Promise<CompiledKernel> | undefined;

/**
 * Reads and compiles the kernel once per thread. Throws BackendUnavailableError when the .wasm
 * file is missing (the build did not run) or the runtime lacks WebAssembly SIMD.
 */
export function compileKernel(): Promise<CompiledKernel> {
  if (compiled === undefined) {
    const attempt = load();
    compiled = attempt;
    // A failed load may be retried after building, instead of caching the error.
    attempt.catch(() => {
      if (compiled === attempt) compiled = undefined;
    });
  }
  return compiled;
}

async function load(): Promise<CompiledKernel> {
  let bytes: Buffer;
  try {
    bytes = await readFile(fileURLToPath(KERNEL_URL));
  } catch (err) {
    throw new BackendUnavailableError(
      'fused',
      `the fused kernel ${fileURLToPath(KERNEL_URL)} is missing; run \`npm run build\``,
      { cause: err },
    );
  }
  try {
    const module = await wasm.compile(bytes);
    const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
    return { module, hash };
  } catch (err) {
    throw new BackendUnavailableError(
      'fused',
      `cannot compile the fused kernel (WebAssembly SIMD is required): ${String(err)}`,
      { cause: err },
    );
  }
}

/**
 * A fresh instance with its own memory. Each training run takes one, so runs that interleave in
 * one thread (tests, benchmarks) never share buffers; instantiating a compiled module is cheap.
 */
export function instantiateKernel(kernel: CompiledKernel): KernelExports {
  const instance = new wasm.Instance(kernel.module, {
    env: {
      abort: () => {
        throw new Error('fused kernel aborted');
      },
    },
  });
  return instance.exports as KernelExports;
}
