import { z } from 'zod';

/** Renders a rejected value for a validation message: short, JSON-like, never a whole object. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string')
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return 'a list';
  return 'an object';
}

function expected(what: string) {
  return (issue: { input?: unknown }) => `expected ${what}, got ${describeValue(issue.input)}`;
}

/** An integer >= 1. */
export function positiveInt() {
  const error = expected('a positive integer');
  return z.number({ error }).int({ error }).positive({ error });
}

/** An integer >= 1 or the one keyword `word` (e.g. 'auto'). */
export function positiveIntOr<const W extends string>(word: W) {
  const error = expected(`a positive integer or "${word}"`);
  const number = z.number({ error }).int({ error }).positive({ error });
  return z.union([number, z.literal(word, { error })], { error });
}

/** An integer >= 0. */
export function nonNegativeInt() {
  const error = expected('a non-negative integer');
  return z.number({ error }).int({ error }).nonnegative({ error });
}

/** A finite number > 0. */
export function positiveNumber() {
  const error = expected('a positive number');
  return z.number({ error }).positive({ error }).finite({ error });
}

/** A finite number. */
export function finiteNumber() {
  const error = expected('a finite number');
  return z.number({ error }).finite({ error });
}

/** A finite number in [lo, hi] (or [lo, hi) with `open`). */
export function numberIn(lo: number, hi: number, open = false) {
  const what = open ? `a number in [${lo}, ${hi})` : `a number in [${lo}, ${hi}]`;
  const error = expected(what);
  const base = z.number({ error }).finite({ error }).gte(lo, { error });
  return open ? base.lt(hi, { error }) : base.lte(hi, { error });
}

/** One of a fixed set of strings. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: expected(`one of ${values.join(', ')}`) });
}

/** A non-empty list of unique items. */
export function uniqueList<T extends z.ZodType>(item: T, what: string) {
  return z
    .array(item, { error: expected(`a list of ${what}`) })
    .min(1, { error: `expected a non-empty list of ${what}` })
    .superRefine((list, ctx) => {
      const seen = new Set<string>();
      list.forEach((value, index) => {
        const key = JSON.stringify(value);
        if (seen.has(key)) {
          ctx.addIssue({ code: 'custom', path: [index], message: `duplicate value ${key}` });
        }
        seen.add(key);
      });
    });
}
