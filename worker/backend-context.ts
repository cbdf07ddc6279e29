import type { BackendName } from './backends.js';
import { loadFused, type FusedContext } from './fused/context.js';
import { trainFused } from './fused/fused-trainer.js';
import { loadTf, type TfContext } from './tfjs.js';
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

/** Trains one network on the context's backend; the same contract either way. */
export function trainOnBackend(
  ctx: BackendContext,
  input: Omit<TrainNetworkInput, 'tf'>,
): Promise<TrainResult> {
  return ctx.backend === 'fused'
    ? trainFused({ ...input, kernel: ctx.kernel })
    : trainNetwork({ ...input, tf: ctx.tf });
}
