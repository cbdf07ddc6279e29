import type { BackendName } from './backends.js';
import { loadFused, type FusedContext } from './fused/context.js';
import { FusedNet } from './fused/fused-net.js';
import { instantiateKernel } from './fused/kernel.js';
import { loadTf, type TfContext } from './tfjs.js';
import type { KernelFactory } from './train/kernel.js';
import { resolveTrainerOptions } from './train/options.js';
import { TfNet } from './train/tf-net.js';
import { trainNetwork, type TrainNetworkInput, type TrainResult } from './train/trainer.js';

/** What a thread or process initialises once and every task then trains on. */
export type BackendContext = TfContext | FusedContext;

/**
 * Loads `backend` for this thread or process: tfjs with one of its backends, or the fused
 * kernel, which needs no tfjs at all. Throws BackendUnavailableError when it cannot.
 */
export function loadBackend(backend: BackendName): Promise<BackendContext> {
  return backend === 'fused' ? loadFused() : loadTf(backend);
}

/**
 * The training kernel of a context: a FusedNet (each call gets its own kernel instance, so runs
 * may interleave within a thread) or a TfNet on the context's tfjs.
 */
export function kernelFactory(
  ctx: BackendContext,
  input: Pick<TrainNetworkInput, 'options'> = {},
): KernelFactory {
  if (ctx.backend !== 'fused') return (data, init) => new TfNet(ctx.tf, data, init);
  const { block } = resolveTrainerOptions(input.options);
  return (data, init, batch) =>
    new FusedNet(instantiateKernel(ctx.kernel), data, init, {
      batch,
      ...(block === undefined ? {} : { block }),
    });
}

/** Trains one network on the context's backend: one loop and one set of optimizers for all. */
export function trainOnBackend(
  ctx: BackendContext,
  input: TrainNetworkInput,
): Promise<TrainResult> {
  return trainNetwork(input, kernelFactory(ctx, input));
}
