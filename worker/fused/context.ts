import { packageVersion } from '../backends.js';
import { compileKernel, type CompiledKernel } from './kernel.js';

/** A thread's or process's fused backend: the compiled kernel, no tfjs. */
export interface FusedContext {
  readonly backend: 'fused';
  readonly kernel: CompiledKernel;
  /** For TrainStats: the kernel's content hash, widthsweep's version, node. */
  readonly versions: Readonly<Record<string, string>>;
}

/**
 * Compiles the kernel (once per thread) and describes it. Throws BackendUnavailableError when
 * the kernel was not built or the runtime lacks WebAssembly SIMD.
 */
export async function loadFused(): Promise<FusedContext> {
  const kernel = await compileKernel();
  const versions: Record<string, string> = { 'fused-kernel': kernel.hash };
  const own = packageVersion('widthsweep');
  if (own !== undefined) versions.widthsweep = own;
  versions.node = process.versions.node;
  return { backend: 'fused', kernel, versions };
}
