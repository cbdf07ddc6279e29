import type { TaskOutcome } from '../../shared/result.js';
import type { Task } from '../../shared/task.js';

const train = {
  trainLoss: 0.01,
  steps: 10,
  lossCurve: [
    [0, 1],
    [10, 0.01],
  ] as Array<[number, number]>,
  trainMs: 5,
  backend: 'cpu',
  versions: { node: process.versions.node },
};

/** A done outcome with a chosen L1 error, for store and coordinator tests. */
export function doneOutcome(task: Task, l1Error = 0.1): TaskOutcome {
  return {
    type: 'done',
    taskId: task.id,
    train,
    wallMs: 7,
    metrics: {
      l1Error,
      l1Stderr: 0.001,
      l2Error: l1Error * 1.2,
      maxError: l1Error * 3,
      accuracy: task.kind === 'classification' ? 0.9 : null,
      sharpenedL1: task.kind === 'classification' ? 0.2 : null,
      misclassified: task.kind === 'classification' ? 0.1 : null,
      evalPoints: 1024,
    },
  };
}

export function divergedOutcome(task: Task): TaskOutcome {
  return {
    type: 'diverged',
    taskId: task.id,
    train: { ...train, trainLoss: Number.NaN },
    reason: 'loss is NaN at step 3',
    wallMs: 4,
  };
}
