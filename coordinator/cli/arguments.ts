import { InvalidArgumentError, Option } from 'commander';

/** Default result database, relative to the working directory. */
export const DEFAULT_DB = 'widthsweep.sqlite';

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError(`expected a positive integer, got ${JSON.stringify(value)}`);
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
