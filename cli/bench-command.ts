import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { resolveBenchOptions, runBenchSuite, type BenchRow } from '../worker/bench/bench-suite.js';
import { parsePositiveInt } from './arguments.js';
import { formatTable } from '../coordinator/format.js';

interface BenchFlags {
  backend: string;
  optimizers: string[];
  dims: number[];
  widths: number[];
  samples: number[];
  steps: number;
  batch: number;
  repeats: number;
  json: boolean;
}

/** The columns the table and the JSON objects share, in order. */
export const BENCH_COLUMNS = [
  'backend',
  'optimizer',
  'dim',
  'width',
  'samples',
  'steps',
  'ms_per_step',
  'gflops',
] as const;

function parseList(value: string): number[] {
  const parts = value.split(',').map((part) => part.trim());
  return parts.map((part) => {
    const n = Number(part);
    if (!/^\d+$/.test(part) || !Number.isSafeInteger(n) || n < 1) {
      throw new InvalidArgumentError(
        `expected comma-separated positive integers, got ${JSON.stringify(value)}`,
      );
    }
    return n;
  });
}

function parseNonNegativeInt(value: string): number {
  if (!/^\d+$/.test(value.trim())) {
    throw new InvalidArgumentError(`expected a non-negative integer, got ${JSON.stringify(value)}`);
  }
  return Number(value);
}

export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description(
      'time training steps on synthetic data: ms per step and GFLOP/s for each backend, dim, width and sample count',
    )
    .addOption(
      new Option(
        '--backend <name>',
        'a backend, auto (what a sweep would use) or all (every installed)',
      ).default('auto'),
    )
    .option(
      '--optimizers <list>',
      'optimizers to time: adam, sgd, lsgd, lbfgs (an lbfgs step is one iteration)',
      (value: string) => value.split(',').map((part) => part.trim()),
      ['adam'],
    )
    .option('--dims <list>', 'input dimensions', parseList, [1, 2, 16])
    .option('--widths <list>', 'hidden widths', parseList, [16, 256, 4096])
    .option('--samples <list>', 'training points per step', parseList, [4096])
    .option('--steps <n>', 'most steps timed per measurement', parsePositiveInt, 200)
    .option('--batch <n>', 'minibatch size, 0 = full batch', parseNonNegativeInt, 0)
    .option(
      '--repeats <n>',
      'interleaved measurements per case; the median is shown',
      parsePositiveInt,
      3,
    )
    .option('--json', 'print one JSON array of row objects instead of the table', false)
    .action(async (flags: BenchFlags) => {
      const options = await resolveBenchOptions({
        backends: [flags.backend],
        optimizers: flags.optimizers,
        dims: flags.dims,
        widths: flags.widths,
        samples: flags.samples,
        steps: flags.steps,
        batch: flags.batch,
        repeats: flags.repeats,
      });
      const rows = await runBenchSuite(options, (message) => process.stderr.write(`${message}\n`));
      process.stdout.write(
        `${flags.json ? JSON.stringify(rows.map(publicRow)) : formatBench(rows)}\n`,
      );
    });
}

function publicRow(row: BenchRow): Record<string, unknown> {
  return Object.fromEntries(BENCH_COLUMNS.map((column) => [column, row[column]]));
}

function formatBench(rows: readonly BenchRow[]): string {
  return formatTable(BENCH_COLUMNS, rows.map(publicRow));
}
