import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { SqliteResultStore } from '../../coordinator/store/sqlite-store.js';
import { expandStudy } from '../../shared/expand.js';
import { parseStudySpecText } from '../../shared/spec/load.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const SPEC = `
name: export-csv
grid: { dims: [1], widths: [2, 3], seeds: [0], targets: [sine] }
train: { steps: 1 }
eval: { samples: 32, replicates: 2 }
`;

test('export - a failed task with a multi-line error stays one CSV record with every column', async () => {
  const temp = tempDir('ws-export-');
  after(temp.remove);
  const dir = temp.path;
  const db = join(dir, 'r.sqlite');
  const spec = parseStudySpecText(SPEC);
  const tasks = expandStudy(spec);
  const store = new SqliteResultStore(db);
  store.registerStudy(spec, tasks);
  const failing = tasks[0];
  assert.ok(failing !== undefined);
  store.markStarted(failing.id, 1);
  const error = 'Error: boom, "quoted"\n    at train (worker.js:1:2)\n    at run (worker.js:3:4)';
  store.recordFailure(failing.id, error);
  store.close();

  const result = await runCli(['export', 'export-csv', '--db', db, '--format', 'csv'], dir);
  assert.equal(result.code, 0, result.stderr);
  const records = parse<Record<string, string>>(result.stdout, { columns: true });
  assert.equal(records.length, tasks.length);
  const row = records.find((r) => r.task_id === failing.id);
  assert.ok(row !== undefined);
  assert.equal(row.status, 'failed');
  assert.equal(row.error, error);
  // The columns after `error` survive the multi-line cell.
  assert.ok('finished_at' in row && 'worker' in row);
});
