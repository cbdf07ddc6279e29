import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import { withChosenOptimizer } from './optimizer-choice.js';
import type { StudySpec } from './spec/study-spec.js';
import { createTarget, getTargetDefinition } from './targets/registry.js';
import { RESULT_FORMAT_VERSION } from './task.js';
import { autoSampleCount } from './training-data.js';
import { taskTrainRecipes, type UnsizedTrainSpec } from './train-mode.js';
import type { ResolvedTrainSpec } from './spec/schema.js';
import type { Task, TaskSpec } from './task.js';

/** Hex digits kept from the SHA-256: 128 bits, far beyond any grid's birthday bound. */
const ID_HEX_DIGITS = 32;

/** The content address of a task: the same computation gets the same id in any study or run. */
export function taskId(spec: TaskSpec): string {
  return createHash('sha256').update(canonicalJson(spec)).digest('hex').slice(0, ID_HEX_DIGITS);
}

/**
 * The recipe a net of `dim`, `width` and `outputs` trains with: `samples: auto` resolved by
 * autoSampleCount, then `optimizer: auto` by the optimizer choice (which may depend on it), then
 * `init` (absent: reference for lbfgs and lsgd, random for adam and sgd).
 */
export function sizedRecipe(
  train: UnsizedTrainSpec,
  dim: number,
  width: number,
  outputs: number,
): ResolvedTrainSpec {
  const { init, ...rest } = train;
  const samples =
    train.samples === 'auto' ? autoSampleCount(dim, width, outputs, train.batch) : train.samples;
  const sized = withChosenOptimizer({ ...rest, samples }, { dim, width, outputs }, init);
  // init random stays out of the task (the ids it had before warm starts existed); an absent
  // init means the warm start for the full-batch second-order optimizers (README "Training").
  const secondOrder = sized.optimizer === 'lbfgs' || sized.optimizer === 'lsgd';
  return (init ?? (secondOrder ? 'reference' : 'random')) === 'reference'
    ? { ...sized, init: 'reference' }
    : sized;
}

/**
 * Expands the grid in a stable order (target, training mode, dim, width, seed). `train.loss:
 * auto`, `samples: auto` and `optimizer: auto` are resolved here, so that an explicit value equal
 * to what auto chose yields the same task id.
 */
function* studyTasks(spec: StudySpec): Generator<Task> {
  for (const target of spec.grid.targets) {
    const definition = getTargetDefinition(target.name);
    if (definition === undefined)
      throw new TypeError(`expandStudy: unvalidated target ${target.name}`);
    for (const train of taskTrainRecipes(spec.train, definition.kind, definition.defaultLoss)) {
      for (const dim of spec.grid.dims) {
        const { outputs } = createTarget(target, dim);
        for (const width of spec.grid.widths) {
          for (const seed of spec.grid.seeds) {
            const taskSpec: TaskSpec = {
              formatVersion: RESULT_FORMAT_VERSION,
              target,
              kind: definition.kind,
              dim,
              width,
              seed,
              train: sizedRecipe(train, dim, width, outputs),
              eval: spec.eval,
            };
            yield { ...taskSpec, id: taskId(taskSpec) };
          }
        }
      }
    }
  }
}

/** Every task of the study, in the order of {@link studyTasks}. */
export function expandStudy(spec: StudySpec): Task[] {
  return [...studyTasks(spec)];
}

/** Tasks expanded between two turns of the event loop: a few milliseconds of hashing. */
const EXPAND_SLICE = 1000;

/**
 * expandStudy for a process that must stay responsive: it yields to the event loop every
 * EXPAND_SLICE tasks, so a SIGINT/SIGTERM handler runs within milliseconds even for the largest
 * grid, and returns undefined as soon as `signal` is aborted.
 */
export async function expandStudyInterruptibly(
  spec: StudySpec,
  signal: AbortSignal,
): Promise<Task[] | undefined> {
  const tasks: Task[] = [];
  for (const task of studyTasks(spec)) {
    if (tasks.length % EXPAND_SLICE === 0) {
      await new Promise((resolve) => setImmediate(resolve));
      if (signal.aborted) return undefined;
    }
    tasks.push(task);
  }
  return signal.aborted ? undefined : tasks;
}

/**
 * Relative cost of a task, for longest-first scheduling: forward+backward work of all steps,
 * plus lsgd's least-squares solve per step (Gram matrix over the samples, then Cholesky).
 */
export function estimatedTaskCost(task: TaskSpec): number {
  const perStep = task.train.batch === 0 ? task.train.samples : task.train.batch;
  const outputs = task.kind === 'classification' ? 4 : 1;
  const solve =
    task.train.optimizer === 'lsgd'
      ? task.train.steps * task.width * task.width * (task.train.samples + task.width / 3)
      : 0;
  return (
    task.train.steps * perStep * task.width * (task.dim + outputs) +
    solve +
    task.eval.samples * task.width * task.dim
  );
}
