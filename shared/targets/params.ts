import { z } from 'zod';
import { ValidationError } from '../errors.js';
import { describeValue, nonNegativeInt } from '../spec/fields.js';
import { formatPath } from '../spec/zod-issues.js';
import type { Incompatibility, LossName, Target, TargetDefinition, TargetKind } from './target.js';

/** Largest class count a classification target accepts: the network has one output per class. */
export const MAX_CLASSES = 1024;

/** The `seed` every random target draws its random parts from. */
export function seedParam() {
  return nonNegativeInt().default(1);
}

/** A class count K in [2, MAX_CLASSES]. */
export function classCount() {
  const error = (issue: { input?: unknown }) =>
    `expected an integer in [2, ${MAX_CLASSES}], got ${describeValue(issue.input)}`;
  return z.number({ error }).int({ error }).gte(2, { error }).lte(MAX_CLASSES, { error });
}

type ParamsSchema = z.ZodObject;

/** What a target family declares; {@link defineTarget} adds parsing and dimension checks. */
export interface TargetFamily<S extends ParamsSchema> {
  readonly name: string;
  readonly kind: TargetKind;
  readonly description: string;
  readonly params: S;
  readonly defaultLoss: LossName;
  readonly incompatibility?: (params: z.output<S>, dim: number) => Incompatibility | undefined;
  readonly create: (params: z.output<S>, dim: number) => Target;
}

/** The first problem zod found, at the parameter it concerns (issue messages come from fields.ts). */
function firstIssue(error: z.ZodError): Incompatibility | undefined {
  const issue = error.issues[0];
  if (issue === undefined) return undefined;
  if (issue.code === 'unrecognized_keys') {
    return { param: formatPath([...issue.path, issue.keys[0] ?? '']), message: 'unknown key' };
  }
  const param = formatPath(issue.path);
  return param === '' ? { message: issue.message } : { param, message: issue.message };
}

/** Parses a target's parameters, turning the first problem into a ValidationError at its key. */
export function parseParams<S extends ParamsSchema>(
  schema: S,
  raw: Readonly<Record<string, unknown>>,
): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problem = firstIssue(parsed.error);
  throw new ValidationError(problem?.param ?? '', problem?.message ?? 'invalid target parameters');
}

function checkDim(dim: number): void {
  if (!Number.isInteger(dim) || dim < 1) {
    throw new ValidationError('dim', `expected a positive integer, got ${describeValue(dim)}`);
  }
}

/**
 * A registry entry from a family: raw parameters are parsed (so callers may pass canonical or
 * user-written ones), and `create` refuses what `incompatibility` reports.
 */
export function defineTarget<S extends ParamsSchema>(family: TargetFamily<S>): TargetDefinition {
  const { incompatibility } = family;
  return {
    name: family.name,
    kind: family.kind,
    description: family.description,
    params: family.params,
    defaultLoss: family.defaultLoss,
    incompatibility(raw, dim) {
      const parsed = family.params.safeParse(raw);
      if (!parsed.success) return firstIssue(parsed.error);
      return incompatibility?.(parsed.data, dim);
    },
    create(raw, dim) {
      checkDim(dim);
      const params = parseParams(family.params, raw);
      const problem = incompatibility?.(params, dim);
      if (problem !== undefined) {
        throw new ValidationError(problem.param ?? '', `${problem.message} (dim = ${dim})`);
      }
      return family.create(params, dim);
    },
  };
}
