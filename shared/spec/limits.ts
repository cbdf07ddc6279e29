import { ValidationError } from '../errors.js';
import { getTargetDefinition } from '../targets/registry.js';
import type { TargetRef } from '../targets/target.js';
import { autoSampleCount } from '../training-data.js';
import type { ParsedStudySpec } from './schema.js';

/**
 * Upper bounds on the sizes a spec may ask for. Without them a width of 1e12 passes validation
 * and fails at training with `RangeError: Invalid typed array length`, and a grid of millions of
 * cells takes gigabytes before the first task runs. The field caps are far above any useful
 * study; the memory estimate below is what actually binds for wide nets.
 */
export const MAX_WIDTH = 1_048_576;
export const MAX_TRAIN_SAMPLES = 16_777_216;
export const MAX_STEPS = 10_000_000;
export const MAX_EVAL_SAMPLES = 67_108_864;
/** Tasks one study may expand into: 100k tasks take ~200 MB and a few seconds to expand. */
export const MAX_STUDY_TASKS = 100_000;
/** What one task may need by {@link estimatedTaskBytes}. Unit: bytes. */
export const MAX_TASK_BYTES = 4 * 1024 ** 3;

/** Evaluation runs in chunks of this many points (shared/evaluate.ts); its activations scale with it. */
const EVAL_CHUNK = 4096;

export interface TaskShape {
  readonly dim: number;
  readonly width: number;
  readonly outputs: number;
  readonly samples: number;
  readonly batch: number;
  readonly evalSamples: number;
  readonly optimizer: string;
}

/**
 * A backend-agnostic upper estimate of one task's memory: full-batch hidden activations and their
 * gradients (tfjs materialises them; the random-feature reference builds the same n x m matrix
 * in float64), the evaluation chunk's activations, optimizer state (L-BFGS keeps 2 x 10 float64
 * copies of the parameters), the training data, and lsgd's (m+1)^2 float64 Gram and factor.
 */
export function estimatedTaskBytes(t: TaskShape): number {
  const rows = t.batch > 0 && t.batch < t.samples ? t.batch : t.samples;
  const params = t.width * (t.dim + 1) + t.outputs * (t.width + 1);
  const activations = 24 * rows * t.width + 16 * rows * t.outputs;
  const evaluation = 8 * Math.min(t.evalSamples, EVAL_CHUNK) * (t.width + t.outputs) * 2;
  const lsgd = t.optimizer === 'lsgd' ? 16 * (t.width + 1) ** 2 : 0;
  return activations + evaluation + 200 * params + 8 * t.samples * (t.dim + t.outputs) + lsgd;
}

/** Network outputs of a target: one per class for classification, else one. */
function outputsOf(ref: TargetRef): number {
  const definition = getTargetDefinition(ref.name);
  if (definition?.kind !== 'classification') return 1;
  const classes = ref.params.classes;
  return typeof classes === 'number' ? classes : 2;
}

/** What the task count depends on: a parsed spec or a validated StudySpec. */
interface GridShape {
  readonly grid: {
    readonly dims: readonly number[];
    readonly widths: readonly number[];
    readonly seeds: readonly number[];
  };
  readonly train: { readonly mode?: string | undefined };
}

/** Training recipes per target: classification targets with `mode: both` train twice. */
function recipesOf(spec: GridShape, ref: TargetRef): number {
  const classification = getTargetDefinition(ref.name)?.kind === 'classification';
  return classification && spec.train.mode === 'both' ? 2 : 1;
}

/** How many tasks the spec expands into (expandStudy's length), without expanding it. */
export function studyTaskCount(spec: GridShape, targets: readonly TargetRef[]): number {
  const cells = spec.grid.dims.length * spec.grid.widths.length * spec.grid.seeds.length;
  return targets.reduce((sum, ref) => sum + recipesOf(spec, ref) * cells, 0);
}

const gib = (bytes: number): string => `${(bytes / 1024 ** 3).toPrecision(3)} GiB`;

/** The grid-size and memory checks, each naming the field to change and the limit. */
export function limitIssues(
  spec: ParsedStudySpec,
  targets: readonly TargetRef[],
): ValidationError[] {
  const issues: ValidationError[] = [];
  const count = studyTaskCount(spec, targets);
  if (count > MAX_STUDY_TASKS) {
    issues.push(
      new ValidationError(
        'grid',
        `expands into ${count} tasks, more than the limit of ${MAX_STUDY_TASKS} per study; split it into several studies`,
      ),
    );
  }
  if (targets.length === 0) return issues;
  const dim = Math.max(...spec.grid.dims);
  const outputs = Math.max(...targets.map(outputsOf));
  const { samples } = spec.train;
  const shape = (width: number): TaskShape => ({
    dim,
    width,
    outputs,
    samples: samples === 'auto' ? autoSampleCount(dim, width, outputs, spec.train.batch) : samples,
    batch: spec.train.batch,
    evalSamples: spec.eval.samples,
    optimizer: spec.train.optimizer,
  });
  const limit = `limit ${gib(MAX_TASK_BYTES)} per task`;
  if (estimatedTaskBytes(shape(1)) > MAX_TASK_BYTES) {
    issues.push(
      new ValidationError(
        'train.samples',
        `${spec.train.samples} training points need about ${gib(estimatedTaskBytes(shape(1)))} even at width 1 (${limit}); lower train.samples or use train.batch`,
      ),
    );
    return issues;
  }
  const index = spec.grid.widths.findIndex((w) => estimatedTaskBytes(shape(w)) > MAX_TASK_BYTES);
  const width = spec.grid.widths[index];
  if (width !== undefined) {
    issues.push(
      new ValidationError(
        `grid.widths[${index}]`,
        `width ${width} needs about ${gib(estimatedTaskBytes(shape(width)))} per task with train.samples ${spec.train.samples} (${limit}); lower the width, or train.samples, or use train.batch`,
      ),
    );
  }
  return issues;
}
