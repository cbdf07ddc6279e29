import { deriveSeed } from '../../shared/random.js';
import { initNetwork } from '../../shared/init.js';
import type { NetworkWeights } from '../../shared/network.js';
import { taskId } from '../../shared/expand.js';
import { createTarget, getTargetDefinition } from '../../shared/targets/registry.js';
import { RESULT_FORMAT_VERSION } from '../../shared/task.js';
import type { Task, TaskSpec } from '../../shared/task.js';
import { sampleTrainingData } from '../../shared/training-data.js';
import type { TrainingData } from '../../shared/training-data.js';

/** A width-4 teacher task in 1-D: exactly representable, so trainers can be held to small errors. */
export function teacherTask(
  overrides: {
    width?: number;
    seed?: number;
    train?: Partial<TaskSpec['train']>;
    eval?: Partial<TaskSpec['eval']>;
  } = {},
): Task {
  const spec: TaskSpec = {
    formatVersion: RESULT_FORMAT_VERSION,
    target: {
      name: 'teacher',
      params: getTargetDefinition('teacher')?.params.parse({ k: 4 }) ?? {},
    },
    kind: 'regression',
    dim: 1,
    width: overrides.width ?? 16,
    seed: overrides.seed ?? 3,
    train: {
      steps: 300,
      samples: 256,
      lr: 0.01,
      optimizer: 'adam',
      momentum: 0,
      schedule: 'cosine',
      batch: 0,
      loss: 'mse',
      ...overrides.train,
    },
    eval: { samples: 1024, sampler: 'sobol', replicates: 4, sharpen: 1000, ...overrides.eval },
  };
  return { ...spec, id: taskId(spec) };
}

/** The data and starting weights executeTask would use for `task`. */
export function taskInputs(task: Task): { data: TrainingData; init: NetworkWeights } {
  const target = createTarget(task.target, task.dim);
  const data = sampleTrainingData(target, task.train.samples, deriveSeed(task.seed, 'train-data'));
  const init = initNetwork(task.dim, task.width, 1, 'linear', deriveSeed(task.seed, 'init'));
  return { data, init };
}
