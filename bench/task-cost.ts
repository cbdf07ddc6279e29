/**
 * The per-task cost of the default recipe (issue 10's cost table; not a pass/fail test): for each
 * (d, width) it expands a one-task study (default `train` and `eval`, seed 0) and runs it on the
 * fused backend in this thread as a worker would (training, evaluation on fresh and on training
 * points, references), printing one JSON array: per case the resolved optimizer and sample
 * count, the steps taken, the task's wall seconds, the training seconds, and each reference's
 * fit seconds.
 *
 *   npm run bench:task-cost -- [--dims 1,2,4] [--widths 64,256,1024] [--target sine] [--seed 0]
 */
import { parseArgs } from 'node:util';
import { expandStudy } from '../shared/expand.js';
import { validateStudySpec } from '../shared/spec/validate.js';
import { executeTask } from '../worker/execute-task.js';
import { loadFused } from '../worker/fused/context.js';

const { values } = parseArgs({
  options: {
    dims: { type: 'string', default: '1,2,4' },
    widths: { type: 'string', default: '64,256,1024' },
    target: { type: 'string', default: 'sine' },
    seed: { type: 'string', default: '0' },
  },
});

const list = (text: string): number[] => text.split(',').map(Number);
const seconds = (ms: number): number => Number((ms / 1000).toPrecision(3));

interface Cost {
  readonly dim: number;
  readonly width: number;
  readonly target: string;
  readonly optimizer: string;
  readonly samples: number;
  readonly steps: number;
  readonly taskSeconds: number;
  readonly trainSeconds: number;
  readonly referenceSeconds: Record<string, number>;
}

async function main(): Promise<void> {
  const ctx = await loadFused();
  const costs: Cost[] = [];
  for (const dim of list(values.dims)) {
    for (const width of list(values.widths)) {
      const spec = validateStudySpec(
        {
          name: 'task-cost',
          grid: {
            dims: [dim],
            widths: [width],
            seeds: [Number(values.seed)],
            targets: [values.target],
          },
        },
        'task-cost',
      );
      for (const task of expandStudy(spec)) {
        const outcome = await executeTask(task, ctx);
        if (outcome.type !== 'done') throw new Error(`d=${dim} width=${width}: ${outcome.type}`);
        const referenceSeconds: Record<string, number> = {};
        for (const r of outcome.references ?? []) referenceSeconds[r.method] = seconds(r.fitMs);
        costs.push({
          dim,
          width,
          target: task.target.name,
          optimizer: outcome.train.optimizer ?? task.train.optimizer,
          samples: task.train.samples,
          steps: outcome.train.steps,
          taskSeconds: seconds(outcome.wallMs),
          trainSeconds: seconds(outcome.train.trainMs),
          referenceSeconds,
        });
        process.stderr.write(`d=${dim} width=${width}: ${seconds(outcome.wallMs)} s\n`);
      }
    }
  }
  process.stdout.write(`${JSON.stringify(costs, null, 2)}\n`);
}

await main();
