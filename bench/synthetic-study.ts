/**
 * A large study written through the real store, for timing the dashboard on it: no training,
 * outcomes drawn from a seeded power law (error ~ width^-1 with seed noise), so every table,
 * view and index is what a real sweep of that size leaves behind.
 */
import { expandStudy } from '../shared/expand.js';
import { Rng } from '../shared/random.js';
import type { TaskOutcome } from '../shared/result.js';
import { validateStudySpec } from '../shared/spec/validate.js';
import type { Task } from '../shared/task.js';
import { SqliteResultStore } from '../coordinator/store/sqlite-store.js';

export interface SyntheticStudyOptions {
  /** Grid seeds per (target, d, width); the study has 5 x 2 x 10 x seeds tasks. @default 1000 */
  seeds?: number;
  /** Study name. @default 'synthetic' */
  name?: string;
}

const TARGETS = ['sine', 'kink', 'bump', 'step', 'disk'];
const WIDTHS = [4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048];

function outcome(task: Task, rng: Rng): TaskOutcome {
  const l1 = (0.5 / task.width) * Math.exp(0.3 * (rng.next() - 0.5));
  const classification = task.kind === 'classification';
  const metrics = (value: number) => ({
    l1Error: value,
    l1Stderr: value / 100,
    l2Error: value * 1.2,
    maxError: value * 4,
    accuracy: classification ? 1 - value / 2 : null,
    sharpenedL1: classification ? value * 0.8 : null,
    misclassified: classification ? value / 2 : null,
    evalPoints: 16384,
  });
  return {
    type: 'done',
    taskId: task.id,
    wallMs: 100 + rng.next() * 50,
    train: {
      trainLoss: l1 * l1,
      steps: 2000,
      lossCurve: [
        [0, 1],
        [2000, l1 * l1],
      ],
      trainMs: 90,
      backend: 'fused',
      versions: { node: process.versions.node },
    },
    metrics: metrics(l1),
    references: [
      {
        method: 'random-features',
        metrics: metrics(l1 * 1.5),
        trainRmse: l1,
        ridge: 1e-8,
        fitMs: 1,
      },
    ],
  };
}

/**
 * Writes the study into `dbPath`: 95% of tasks done, 1% diverged, 1% failed, the rest pending.
 * Returns the number of tasks.
 */
export function writeSyntheticStudy(dbPath: string, options: SyntheticStudyOptions = {}): number {
  const seeds = options.seeds ?? 1000;
  const spec = validateStudySpec({
    name: options.name ?? 'synthetic',
    grid: {
      dims: [1, 2],
      widths: WIDTHS,
      seeds: Array.from({ length: seeds }, (_, i) => i),
      targets: TARGETS,
    },
  });
  const tasks = expandStudy(spec);
  const store = new SqliteResultStore(dbPath);
  const rng = new Rng(7);
  try {
    store.registerStudy(spec, tasks);
    const batch = 5000;
    for (let start = 0; start < tasks.length; start += batch) {
      store.transaction(() => {
        for (const task of tasks.slice(start, start + batch)) {
          const u = rng.next();
          if (u < 0.95) store.recordOutcome(outcome(task, rng), { worker: 'synthetic' });
          else if (u < 0.96) {
            const o = outcome(task, rng);
            store.recordOutcome(
              { type: 'diverged', taskId: task.id, train: o.train, wallMs: 5, reason: 'NaN' },
              { worker: 'synthetic' },
            );
          } else if (u < 0.97) store.recordFailure(task.id, 'synthetic failure');
        }
      });
    }
  } finally {
    store.close();
  }
  return tasks.length;
}
