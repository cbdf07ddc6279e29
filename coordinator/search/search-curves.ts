import { canonicalJson } from '../../shared/canonical-json.js';
import { expandStudy } from '../../shared/expand.js';
import type { StudySpec } from '../../shared/spec/study-spec.js';
import type { TargetKind, TargetRef } from '../../shared/targets/target.js';
import type { Task } from '../../shared/task.js';
import { trainModeOf } from '../../shared/train-mode.js';
import type { TrainMode } from '../../shared/train-mode.js';
import { groupLabel } from '../summary-table.js';

/** One curve a search runs on: (target with its parameters, training mode, d). */
export interface SearchCurve {
  /** Canonical JSON of target, mode and dim: equal curves, equal keys. */
  readonly key: string;
  readonly target: TargetRef;
  readonly kind: TargetKind;
  readonly mode: TrainMode;
  readonly dim: number;
  readonly label: string;
}

export function curveKey(target: TargetRef, mode: TrainMode, dim: number): string {
  return canonicalJson({ dim, mode, target });
}

/** The study's curves in grid order (target, mode, dim), as expandStudy would visit them. */
export function searchCurves(spec: StudySpec): SearchCurve[] {
  const probe = { ...spec, grid: { ...spec.grid, widths: [1], seeds: [0] } };
  return expandStudy(probe).map((task) => {
    const mode = trainModeOf(task.train);
    return {
      key: curveKey(task.target, mode, task.dim),
      target: task.target,
      kind: task.kind,
      mode,
      dim: task.dim,
      label: groupLabel({
        target: task.target.name,
        targetParams: JSON.stringify(task.target.params),
        dim: task.dim,
        mode,
      }),
    };
  });
}

/** The ordinary tasks of one curve at one width and these seeds (expandStudy's ids). */
export function curveTasks(
  spec: StudySpec,
  curve: SearchCurve,
  width: number,
  seeds: readonly number[],
): Task[] {
  const grid = { dims: [curve.dim], widths: [width], seeds, targets: [curve.target] };
  return expandStudy({ ...spec, grid }).filter((t) => trainModeOf(t.train) === curve.mode);
}
