import { TaskCancelledError, TaskFailedError } from '../shared/errors.js';
import { evaluateNetwork, evaluateOnTrainingData } from '../shared/evaluate.js';
import { initNetwork } from '../shared/init.js';
import { deriveSeed } from '../shared/random.js';
import { taskExtras } from '../shared/reference/references.js';
import type { TaskOutcome, TrainStats } from '../shared/result.js';
import { createTarget } from '../shared/targets/registry.js';
import type { Task } from '../shared/task.js';
import { sampleTrainingData } from '../shared/training-data.js';
import { evaluatedNetwork, trainedOutput, trainingDataFor } from '../shared/train-mode.js';
import { trainOnBackend, type BackendContext } from './backend-context.js';

/**
 * Runs one task in the current thread on an initialised backend: target → training data →
 * initial weights → training → evaluation (on fresh points and on the training points) →
 * references, each stream seeded from task.seed so that every
 * backend starts from the same data and weights. Resolves `diverged` (without evaluating) when
 * training blew up. Rejects with TaskCancelledError once `signal` aborts, TaskFailedError for
 * anything else.
 */
export async function executeTask(
  task: Task,
  ctx: BackendContext,
  signal?: AbortSignal,
): Promise<TaskOutcome> {
  const startMs = performance.now();
  try {
    signal?.throwIfAborted();
    const target = createTarget(task.target, task.dim);
    if (target.kind !== task.kind) {
      throw new Error(`target '${task.target.name}' is ${target.kind}, the task says ${task.kind}`);
    }
    const data = sampleTrainingData(
      target,
      task.train.samples,
      deriveSeed(task.seed, 'train-data'),
    );
    const output = trainedOutput(task.train, target.kind);
    const init = initNetwork(
      task.dim,
      task.width,
      target.outputs,
      output,
      deriveSeed(task.seed, 'init'),
    );
    const trained = await trainOnBackend(ctx, {
      data: trainingDataFor(task.train, data),
      init,
      train: task.train,
      shuffleSeed: deriveSeed(task.seed, 'minibatch'),
      ...(signal === undefined ? {} : { signal }),
    });
    const train: TrainStats = {
      trainLoss: trained.trainLoss,
      steps: trained.steps,
      lossCurve: trained.lossCurve,
      trainMs: trained.trainMs,
      backend: ctx.backend,
      optimizer: trained.optimizer,
      versions: ctx.versions,
    };
    if (trained.divergence !== null) {
      return {
        type: 'diverged',
        taskId: task.id,
        train,
        reason: trained.divergence,
        wallMs: performance.now() - startMs,
      };
    }
    signal?.throwIfAborted();
    const net = evaluatedNetwork(task.train, trained.weights);
    const evalSeed = deriveSeed(task.seed, 'eval');
    const metrics = evaluateNetwork(net, target, task.eval, evalSeed);
    // The evaluated network (construction: the softmax one) against the sampled labels, so the
    // training-set errors are the evaluation errors' twins, whatever the net was trained on.
    const trainMetrics = evaluateOnTrainingData(net, target, data);
    signal?.throwIfAborted();
    const extras = taskExtras({
      target,
      data,
      init,
      net,
      evalSpec: task.eval,
      evalSeed,
      seed: task.seed,
    });
    const wallMs = performance.now() - startMs;
    return { type: 'done', taskId: task.id, train, metrics, trainMetrics, ...extras, wallMs };
  } catch (err) {
    if (signal?.aborted === true) throw new TaskCancelledError(task.id, { cause: signal.reason });
    if (err instanceof TaskFailedError && err.taskId === task.id) throw err;
    // The message carries the cause's text because `cause` does not survive thread and
    // process boundaries.
    const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    throw new TaskFailedError(task.id, `training ${describeTask(task)} failed: ${reason}`, {
      cause: err,
    });
  }
}

function describeTask(task: Task): string {
  return `${task.target.name} (d=${task.dim}, width=${task.width}, seed=${task.seed})`;
}
