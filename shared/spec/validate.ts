import { SpecError, ValidationError } from '../errors.js';
import { optimizerIssues } from '../optimizer-choice.js';
import { getTargetDefinition, listTargetDefinitions } from '../targets/registry.js';
import type { TargetDefinition, TargetRef } from '../targets/target.js';
import { describeValue } from './fields.js';
import { limitIssues } from './limits.js';
import { studySpecSchema } from './schema.js';
import { resolveSearchSpec, studySpecWithSearchSchema } from './search.js';
import type { ParsedSearchStudySpec, SearchSpec } from './search.js';
import type { ParsedStudySpec } from './schema.js';
import type { StudySpec } from './study-spec.js';
import { issuesToErrors } from './zod-issues.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

interface ResolvedEntry {
  readonly ref: TargetRef;
  readonly definition: TargetDefinition;
  readonly field: string;
}

function resolveTargetEntry(entry: unknown, field: string, errors: ValidationError[]) {
  let name: unknown;
  let params: Record<string, unknown> = {};
  let nameField = field;
  if (typeof entry === 'string') {
    name = entry;
  } else if (isRecord(entry)) {
    ({ name, ...params } = entry);
    nameField = `${field}.name`;
  } else {
    errors.push(
      new ValidationError(
        field,
        `expected a target name or an object with a name, got ${describeValue(entry)}`,
      ),
    );
    return undefined;
  }
  if (typeof name !== 'string') {
    errors.push(
      new ValidationError(nameField, `expected a target name, got ${describeValue(name)}`),
    );
    return undefined;
  }
  const definition = getTargetDefinition(name);
  if (definition === undefined) {
    const known = listTargetDefinitions()
      .map((t) => t.name)
      .join(', ');
    errors.push(
      new ValidationError(nameField, `unknown target ${describeValue(name)} (known: ${known})`),
    );
    return undefined;
  }
  const parsed = definition.params.safeParse(params, { reportInput: true });
  if (!parsed.success) {
    errors.push(...issuesToErrors(parsed.error, field));
    return undefined;
  }
  return { ref: { name, params: parsed.data }, definition, field };
}

function checkTargets(spec: ParsedStudySpec, errors: ValidationError[]): TargetRef[] {
  const resolved: ResolvedEntry[] = [];
  const seen = new Map<string, string>();
  spec.grid.targets.forEach((entry, index) => {
    const field = `grid.targets[${index}]`;
    const target = resolveTargetEntry(entry, field, errors);
    if (target === undefined) return;
    const key = JSON.stringify(target.ref);
    const first = seen.get(key);
    if (first !== undefined) {
      errors.push(new ValidationError(field, `duplicate of ${first} (same target and parameters)`));
      return;
    }
    seen.set(key, field);
    resolved.push(target);
  });

  for (const { ref, definition, field } of resolved) {
    spec.grid.dims.forEach((dim, j) => {
      const problem = definition.incompatibility(ref.params, dim);
      if (problem === undefined) return;
      const where = problem.param === undefined ? field : `${field}.${problem.param}`;
      errors.push(new ValidationError(where, `${problem.message} (grid.dims[${j}] = ${dim})`));
    });
    const loss = spec.train.loss;
    if (loss === 'auto') continue;
    const wantsClassification = loss === 'cross-entropy';
    if (wantsClassification !== (definition.kind === 'classification')) {
      errors.push(
        new ValidationError(
          'train.loss',
          `${loss} cannot train ${field} ('${ref.name}', a ${definition.kind} target); use auto`,
        ),
      );
    }
  }
  return resolved.map((r) => r.ref);
}

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && (n & (n - 1)) === 0;
}

function checkRouting(spec: ParsedStudySpec, errors: ValidationError[]): void {
  spec.routing.forEach((route, i) => {
    if (
      route.minWidth !== undefined &&
      route.maxWidth !== undefined &&
      route.minWidth > route.maxWidth
    ) {
      errors.push(
        new ValidationError(
          `routing[${i}].maxWidth`,
          `expected at least minWidth (${route.minWidth}), got ${route.maxWidth}`,
        ),
      );
    }
    route.targets?.forEach((name, j) => {
      if (getTargetDefinition(name) === undefined) {
        errors.push(
          new ValidationError(
            `routing[${i}].targets[${j}]`,
            `unknown target ${describeValue(name)}`,
          ),
        );
      }
    });
  });
}

function checkRecipes(spec: ParsedStudySpec, errors: ValidationError[]): void {
  const { mode, eps } = spec.train;
  if (eps !== undefined && mode !== 'construction' && mode !== 'both') {
    errors.push(new ValidationError('train.eps', 'only used with train.mode construction or both'));
  }
  // Accepted and ignored, momentum would still change the task id: the same computation twice.
  if (spec.train.momentum !== 0 && spec.train.optimizer !== 'sgd') {
    errors.push(
      new ValidationError(
        'train.momentum',
        `only used with train.optimizer sgd, and the optimizer is ${spec.train.optimizer}; remove train.momentum or set train.optimizer: sgd`,
      ),
    );
  }
  // With samples auto the count is raised to the batch (autoSampleCount), so only fixed counts clash.
  if (spec.train.samples !== 'auto' && spec.train.batch > spec.train.samples) {
    errors.push(
      new ValidationError(
        'train.batch',
        `expected at most train.samples (${spec.train.samples}), got ${spec.train.batch}`,
      ),
    );
  }
  const { samples, replicates, sampler } = spec.eval;
  if (samples % replicates !== 0) {
    errors.push(
      new ValidationError(
        'eval.samples',
        `expected a multiple of eval.replicates (${replicates}), got ${samples}`,
      ),
    );
  } else if (sampler === 'sobol' && !isPowerOfTwo(samples / replicates)) {
    errors.push(
      new ValidationError(
        'eval.samples',
        `expected eval.replicates (${replicates}) times a power of two for the sobol sampler, got ${samples}`,
      ),
    );
  }
}

/**
 * Beside a search section the grid may leave out widths and seeds (the search picks both), but
 * not just one of them; the plain schema already requires both without a search.
 */
function checkSearch(
  spec: ParsedSearchStudySpec,
  errors: ValidationError[],
): SearchSpec | undefined {
  if (spec.search === undefined) return undefined;
  const { widths, seeds } = spec.grid;
  if (widths === undefined && seeds !== undefined) {
    errors.push(new ValidationError('grid.widths', 'required beside grid.seeds'));
  }
  if (seeds === undefined && widths !== undefined) {
    errors.push(new ValidationError('grid.seeds', 'required beside grid.widths'));
  }
  return resolveSearchSpec(spec.search, errors);
}

/**
 * Validates a parsed spec document. Every problem is collected (not just the first), each naming
 * its exact field, so one run of the CLI shows the user everything to fix.
 */
export function validateStudySpec(raw: unknown, source?: string): StudySpec {
  const withSearch = isRecord(raw) && 'search' in raw;
  const parsed = (withSearch ? studySpecWithSearchSchema : studySpecSchema).safeParse(raw, {
    reportInput: true,
  });
  if (!parsed.success) throw new SpecError(issuesToErrors(parsed.error), source);
  const { search: parsedSearch, ...data } = parsed.data as ParsedSearchStudySpec;
  const errors: ValidationError[] = [];
  const search = checkSearch(parsed.data, errors);
  const spec: ParsedStudySpec = {
    ...data,
    grid: { ...data.grid, widths: data.grid.widths ?? [], seeds: data.grid.seeds ?? [] },
  };
  const targets = checkTargets(spec, errors);
  checkRecipes(spec, errors);
  errors.push(...optimizerIssues(spec.train, targets));
  checkRouting(spec, errors);
  errors.push(...limitIssues(spec, targets));
  if (errors.length > 0) throw new SpecError(errors, source);
  const { description, ...rest } = spec;
  return {
    ...rest,
    ...(description === undefined ? {} : { description }),
    grid: { ...spec.grid, targets },
    ...(search === undefined || parsedSearch === undefined ? {} : { search }),
  };
}
