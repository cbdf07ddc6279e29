import { InvalidArgumentError, Option } from 'commander';
import { BACKEND_NAMES } from '../worker/backends.js';
import { MAX_THREADS } from '../worker/runner.js';

/** Default result database, relative to the working directory. */
export const DEFAULT_DB = 'widthsweep.sqlite';

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError(`expected a positive integer, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** A duration in seconds, fractions allowed, 0 or more. */
export function parseSeconds(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw new InvalidArgumentError(`expected seconds >= 0, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** `--threads`: a positive integer up to the runner's hard cap (more is refused, exit 2). */
export function parseThreads(value: string): number {
  const n = parsePositiveInt(value);
  if (n > MAX_THREADS) {
    throw new InvalidArgumentError(`expected at most ${MAX_THREADS} threads, got ${n}`);
  }
  return n;
}

export function dbOption(): Option {
  return new Option('--db <file>', 'SQLite result database').default(DEFAULT_DB);
}

export function choiceOption<const T extends readonly string[]>(
  flags: string,
  description: string,
  choices: T,
  fallback: T[number],
): Option {
  return new Option(flags, description).choices(choices).default(fallback);
}

/** `--backend`, offering every backend this build knows. */
export function backendOption(description: string): Option {
  return new Option('--backend <name>', description)
    .choices(['auto', ...BACKEND_NAMES])
    .default('auto');
}
