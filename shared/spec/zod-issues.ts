import type { z } from 'zod';
import { ValidationError } from '../errors.js';

/** Renders a zod path the way users write it: `grid.widths[2]`, `grid.targets[0].alpha`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** Joins a prefix path with a relative one (`grid.targets[1]` + `alpha`). */
export function joinPath(prefix: string, path: ReadonlyArray<PropertyKey>): string {
  const rest = formatPath(path);
  if (prefix === '') return rest;
  if (rest === '') return prefix;
  return rest.startsWith('[') ? `${prefix}${rest}` : `${prefix}.${rest}`;
}

/** One ValidationError per zod issue, with unknown keys reported one per key at their own path. */
export function issuesToErrors(error: z.ZodError, prefix = ''): ValidationError[] {
  const out: ValidationError[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.push(new ValidationError(joinPath(prefix, [...issue.path, key]), 'unknown key'));
      }
      continue;
    }
    const field = joinPath(prefix, issue.path);
    const missing = issue.code === 'invalid_type' && issue.input === undefined;
    out.push(new ValidationError(field, missing ? 'required' : issue.message));
  }
  return out;
}
