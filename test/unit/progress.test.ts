import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProgressReporter } from '../../cli/progress.js';
import { expandStudy } from '../../shared/expand.js';
import { validateStudySpec } from '../../shared/spec/validate.js';
import { doneOutcome } from '../helpers/outcomes.js';

/** A plain (non-terminal) stream that keeps what is written. */
function captureStream(): { stream: NodeJS.WriteStream; lines: () => string[] } {
  let text = '';
  const stream = {
    isTTY: false,
    write: (chunk: string) => {
      text += chunk;
      return true;
    },
  } as unknown as NodeJS.WriteStream;
  return { stream, lines: () => text.split('\n').filter((l) => l !== '') };
}

const tasks = expandStudy(
  validateStudySpec({
    name: 'p',
    grid: { dims: [1], widths: [4], seeds: [0, 1, 2, 3, 4], targets: ['sine'] },
  }),
);

test('progress - results stored before the start event show no total and no ETA', () => {
  const { stream, lines } = captureStream();
  const progress = new ProgressReporter(stream);
  // What `collect --once` sends: the results that waited in the stream, then the start.
  for (const task of tasks) progress.handle({ type: 'finished', task, outcome: doneOutcome(task) });
  progress.handle({
    type: 'start',
    study: 'p',
    total: tasks.length,
    skipped: 0,
    queued: 0,
    runner: 'workers via nats://x',
  });
  const out = lines();
  assert.ok(
    out.every((l) => !/\/0\b/.test(l) && !/ETA -/.test(l)),
    `no "N/0" or negative ETA expected:\n${out.join('\n')}`,
  );
  assert.ok(out.some((l) => l.includes(`stored ${tasks.length} result(s) that were waiting`)));
});

test('progress - more results than queued tasks give an ETA of zero, not a negative one', () => {
  const { stream, lines } = captureStream();
  const progress = new ProgressReporter(stream);
  progress.handle({ type: 'start', study: 'p', total: 5, skipped: 0, queued: 2, runner: 'x' });
  for (const task of tasks) progress.handle({ type: 'finished', task, outcome: doneOutcome(task) });
  const out = lines();
  assert.ok(out.some((l) => l.startsWith('progress 2/2')));
  assert.ok(
    out.every((l) => !/ETA -/.test(l)),
    out.join('\n'),
  );
});
