import { z } from 'zod';
import { ValidationError } from '../errors.js';
import { describeValue, positiveInt, uniqueList } from './fields.js';
import { gridSchema, studySpecSchema } from './schema.js';

const openUnit = (i: { input?: unknown }) =>
  `expected a number in (0, 1), got ${describeValue(i.input)}`;
const aboveOne = (i: { input?: unknown }) =>
  `expected a number greater than 1, got ${describeValue(i.input)}`;

/**
 * A width search: per curve (target, mode, d) the smallest width whose median error reaches each
 * eps, found by a coarse geometric ladder and then geometric bisection (coordinator/search).
 * Its probes are ordinary tasks; nothing here is part of a task id.
 */
export const searchSchema = z.strictObject({
  /** L1 levels to reach (sharpened L1 for classification), each in (0, 1). */
  eps: uniqueList(
    z.number({ error: openUnit }).gt(0, { error: openUnit }).lt(1, { error: openUnit }),
    'error levels',
  ),
  /** Smallest width probed. @default 4 */
  minWidth: positiveInt().default(4),
  /** Largest width probed. @default 4096 */
  maxWidth: positiveInt().default(4096),
  /** Stop when the bracket [lo, hi] has hi / lo at most this. @default 1.25 */
  resolution: z
    .number({ error: aboveOne })
    .gt(1, { error: aboveOne })
    .finite({ error: aboveOne })
    .default(1.25),
  /** Ratio between the rungs of the coarse ladder. @default 4 */
  ladder: z
    .number({ error: aboveOne })
    .gt(1, { error: aboveOne })
    .finite({ error: aboveOne })
    .default(4),
  /**
   * Rungs directly below hi that must be measured above eps before a bracket is found: 1 is lo
   * alone; each more trains a rung below lo that bisection skipped, where a median that is not
   * monotone near eps may dip at or below it. Unit: rungs. @default 1
   */
  confirm: positiveInt().default(1),
  /** Seeds per probed width (seeds 0 .. seeds-1); also the step when more are added. @default 3 */
  seeds: positiveInt().default(3),
  /**
   * Most seeds at one width, added ceil(seeds / 2) at a time where the seeds' quartiles straddle
   * eps. @default seeds + ceil(seeds / 2) (one such step)
   */
  maxSeeds: positiveInt().optional(),
  /** Budget of search tasks for the whole study (grid tasks not counted). @default 2000 */
  maxTasks: positiveInt().default(2000),
});

/** A validated search section, defaults filled in. */
export interface SearchSpec {
  readonly eps: readonly number[];
  readonly minWidth: number;
  readonly maxWidth: number;
  readonly resolution: number;
  readonly ladder: number;
  readonly confirm: number;
  readonly seeds: number;
  readonly maxSeeds: number;
  readonly maxTasks: number;
}

/** Fills maxSeeds and checks what zod cannot see field by field. */
export function resolveSearchSpec(
  parsed: z.output<typeof searchSchema>,
  errors: ValidationError[],
): SearchSpec {
  const maxSeeds = parsed.maxSeeds ?? parsed.seeds + Math.ceil(parsed.seeds / 2);
  if (parsed.maxWidth < parsed.minWidth) {
    errors.push(
      new ValidationError(
        'search.maxWidth',
        `expected at least search.minWidth (${parsed.minWidth}), got ${parsed.maxWidth}`,
      ),
    );
  }
  if (maxSeeds < parsed.seeds) {
    errors.push(
      new ValidationError(
        'search.maxSeeds',
        `expected at least search.seeds (${parsed.seeds}), got ${maxSeeds}`,
      ),
    );
  }
  return { ...parsed, eps: [...parsed.eps].sort((a, b) => b - a), maxSeeds };
}

/**
 * The spec schema once a search section is present: grid.widths and grid.seeds become optional
 * (the search chooses widths and seeds). A spec without one keeps the plain schema, and with it
 * every message it had.
 */
export const studySpecWithSearchSchema = studySpecSchema.extend({
  grid: gridSchema.partial({ widths: true, seeds: true }),
  search: searchSchema.optional(),
});

export type ParsedSearchStudySpec = z.output<typeof studySpecWithSearchSchema>;
