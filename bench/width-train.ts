/**
 * Training-recipe experiments for issue 10 (not a pass/fail test): runs one study spec's tasks
 * in this thread on the fused backend and prints, per width, the median over seeds of the
 * evaluation L1 and L2, the training RMSE (sqrt of the mse loss), the steps taken and the
 * seconds per task, the log-log slope of the L1, and (where the formula is known) the ratio to a
 * yardstick: the m-knot interpolant 2 pi / (3 m^2) for 1-D sine, the README's ridge-interpolant
 * figures for ridge-sine in d = 4.
 *
 *   node dist/bench/width-train.js examples/width-ridge-d4.yaml [--widths 16,64] [--seeds 0]
 *     [--train '{"optimizer":"lbfgs","samples":4096}'] [--json]
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { expandStudy } from '../shared/expand.js';
import { validateStudySpec } from '../shared/spec/validate.js';
import type { Task } from '../shared/task.js';
import { executeTask } from '../worker/execute-task.js';
import { loadFused } from '../worker/fused/context.js';
import { fitLogLog, median } from '../shared/stats.js';

/** README "Error decomposition" facts: the ridge interpolant along w for ridge-sine, d = 4. */
const RIDGE_D4: Readonly<Record<number, number>> = { 64: 1.2e-3, 128: 2.9e-4, 256: 7.3e-5 };

function yardstick(task: Task): number | null {
  if (task.target.name === 'sine' && task.dim === 1) return (2 * Math.PI) / (3 * task.width ** 2);
  if (task.target.name === 'ridge-sine' && task.dim === 4) return RIDGE_D4[task.width] ?? null;
  return null;
}

function option(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at < 0 ? undefined : process.argv[at + 1];
}

function numbers(text: string | undefined): number[] | undefined {
  return text?.split(',').map(Number);
}

interface Row {
  readonly target: string;
  readonly dim: number;
  readonly width: number;
  readonly optimizer: string;
  readonly samples: number;
  readonly l1: number;
  readonly l2: number;
  readonly trainRmse: number;
  readonly steps: number;
  readonly seconds: number;
  readonly yardstick: number | null;
}

async function main(): Promise<void> {
  const file = process.argv[2];
  if (file === undefined) throw new Error('usage: width-train.js SPEC.yaml [options]');
  const raw = parse(readFileSync(file, 'utf8')) as Record<string, Record<string, unknown>>;
  const widths = numbers(option('widths'));
  const seeds = numbers(option('seeds'));
  const dims = numbers(option('dims'));
  raw.grid = {
    ...raw.grid,
    ...(widths ? { widths } : {}),
    ...(seeds ? { seeds } : {}),
    ...(dims ? { dims } : {}),
  };
  const train = option('train');
  if (train !== undefined) raw.train = { ...raw.train, ...(JSON.parse(train) as object) };
  const spec = validateStudySpec(raw, file);
  const ctx = await loadFused();
  const cells = new Map<string, { task: Task; outcomes: Array<Record<string, number>> }>();
  for (const task of expandStudy(spec)) {
    const outcome = await executeTask(task, ctx);
    const key = `${task.target.name}|${task.dim}|${task.width}`;
    const cell = cells.get(key) ?? { task, outcomes: [] };
    cells.set(key, cell);
    if (outcome.type !== 'done') continue;
    const loss = outcome.train.trainLoss;
    cell.outcomes.push({
      l1: outcome.metrics.l1Error,
      l2: outcome.metrics.l2Error ?? Number.NaN,
      trainRmse: task.train.loss === 'mse' ? Math.sqrt(loss) : loss,
      steps: outcome.train.steps,
      seconds: outcome.wallMs / 1000,
    });
    process.stderr.write(
      `${key} seed ${task.seed}: l1 ${outcome.metrics.l1Error.toExponential(2)} steps ${outcome.train.steps} ${(outcome.wallMs / 1000).toFixed(1)} s\n`,
    );
  }
  const rows: Row[] = [...cells.values()].map(({ task, outcomes }) => {
    const med = (k: string): number =>
      median(outcomes.map((o) => o[k] ?? Number.NaN).filter((v) => !Number.isNaN(v)));
    return {
      target: task.target.name,
      dim: task.dim,
      width: task.width,
      optimizer: task.train.optimizer,
      samples: task.train.samples,
      l1: med('l1'),
      l2: med('l2'),
      trainRmse: med('trainRmse'),
      steps: med('steps'),
      seconds: med('seconds'),
      yardstick: yardstick(task),
    };
  });
  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  printTable(rows);
}

function printTable(rows: readonly Row[]): void {
  const e = (x: number | null): string => (x === null ? '' : x.toExponential(2));
  const out = [
    '| target | d | width | optimizer | samples | L1 | L2 / train RMSE | yardstick | L1 / yardstick | steps | s/task |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const ratio = r.yardstick === null ? '' : (r.l1 / r.yardstick).toFixed(2);
    out.push(
      `| ${r.target} | ${r.dim} | ${r.width} | ${r.optimizer} | ${r.samples} | ${e(r.l1)} | ${(r.l2 / r.trainRmse).toFixed(2)} | ${e(r.yardstick)} | ${ratio} | ${r.steps} | ${r.seconds.toFixed(1)} |`,
    );
  }
  const curves = new Map<string, Array<[number, number]>>();
  for (const r of rows) {
    const key = `${r.target} d=${r.dim}`;
    curves.set(key, [...(curves.get(key) ?? []), [r.width, r.l1]]);
  }
  for (const [key, points] of curves) {
    if (points.length >= 2)
      out.push(
        `\n${key}: L1 slope ${fitLogLog(
          points.map(([w]) => w),
          points.map(([, l1]) => l1),
        ).slope.toFixed(2)}`,
      );
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

await main();
