import type { ResolvedEvalSpec, ResolvedTrainSpec } from './spec/schema.js';
import type { TargetKind, TargetRef } from './targets/target.js';

/**
 * Bumped whenever a change alters what a task computes or what its result holds, so that old
 * results are never mistaken for new ones: it is part of every task id.
 */
// 3: the 1-D knot warm start and d >= 2 lbfgs history change what a task with the same recipe
// computes (issue 10), so results stored under version 2 are not reused for them.
export const RESULT_FORMAT_VERSION = 3;

/** Everything that determines a task's result; its canonical JSON hashes to the task id. */
export interface TaskSpec {
  readonly formatVersion: number;
  readonly target: TargetRef;
  readonly kind: TargetKind;
  readonly dim: number;
  readonly width: number;
  readonly seed: number;
  readonly train: ResolvedTrainSpec;
  readonly eval: ResolvedEvalSpec;
}

/** A task as it travels: the spec plus its content-addressed id. */
export interface Task extends TaskSpec {
  readonly id: string;
}
