/**
 * The dashboard on a 100,000-task study: page load times (median of repeated requests, after
 * one cold one), the full analysis behind the plots (computed in the server's worker thread),
 * and how long a stored result takes to reach an open event stream.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAnalysisView } from '../coordinator/serve/analysis-view.js';
import { startDashboard } from '../coordinator/serve/dashboard-server.js';
import { openReadConnection } from '../coordinator/serve/read-connection.js';
import { SqliteResultStore } from '../coordinator/store/sqlite-store.js';
import { median } from '../shared/stats.js';
import { writeSyntheticStudy } from './synthetic-study.js';

const REPEATS = 5;

async function timeGet(url: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(url);
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return performance.now() - started;
}

async function pageTimes(url: string) {
  const cold = await timeGet(url);
  const warm: number[] = [];
  for (let i = 0; i < REPEATS; i++) warm.push(await timeGet(url));
  return { cold_ms: cold, median_ms: median(warm), max_ms: Math.max(...warm) };
}

/** Milliseconds from a commit by another connection to the `change` event on /events. */
async function pushLatency(url: string, dbPath: string): Promise<number> {
  const controller = new AbortController();
  const response = await fetch(`${url}events`, { signal: controller.signal });
  const reader = response.body?.getReader();
  if (reader === undefined) throw new Error('no event stream');
  const decoder = new TextDecoder();
  let text = '';
  while (!text.includes('event: hello')) text += decoder.decode((await reader.read()).value);
  const store = new SqliteResultStore(dbPath);
  let committed = 0;
  try {
    const [task] = store.unfinishedTasks('synthetic', false);
    if (task === undefined) throw new Error('no pending task left');
    committed = performance.now();
    store.recordFailure(task.id, 'bench: a write for the watcher to notice');
  } finally {
    store.close();
  }
  text = '';
  while (!text.includes('event: change')) text += decoder.decode((await reader.read()).value);
  const latency = performance.now() - committed;
  controller.abort();
  return latency;
}

export async function dashboardLoad(log: (message: string) => void) {
  const dir = mkdtempSync(join(tmpdir(), 'widthsweep-bench-dashboard-'));
  try {
    const db = join(dir, 'synthetic.sqlite');
    const started = performance.now();
    const tasks = writeSyntheticStudy(db);
    const writeMs = performance.now() - started;
    log(`dashboard: ${tasks} synthetic tasks written in ${(writeMs / 1000).toFixed(1)} s`);
    const dashboard = await startDashboard({ db, port: 0 });
    try {
      const studies = await pageTimes(dashboard.url);
      const study = await pageTimes(`${dashboard.url}studies/synthetic`);
      const progress = await pageTimes(`${dashboard.url}fragments/studies/synthetic/progress`);
      log(`dashboard: study page ${study.median_ms.toFixed(0)} ms (median of ${REPEATS})`);
      // Before the analysis below: it blocks this process's event loop for minutes, after which
      // fetch's pooled keep-alive sockets have been closed by the server (ECONNRESET).
      const push = await pushLatency(dashboard.url, db);
      // What the server's worker thread computes for the plots, timed here directly: at this
      // size it outlasts fetch's 300 s header timeout on a loaded machine.
      const reader = openReadConnection(db);
      let analysisMs: number;
      try {
        analysisMs = buildAnalysisView(reader, 'synthetic').ms;
      } finally {
        reader.close();
      }
      log(`dashboard: full analysis ${(analysisMs / 1000).toFixed(1)} s`);
      return {
        tasks,
        write_s: writeMs / 1000,
        studies_page: studies,
        study_page: study,
        study_progress_fragment: progress,
        study_analysis_ms: analysisMs,
        result_to_event_ms: push,
      };
    } finally {
      await dashboard.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const standalone = process.argv[1]?.endsWith('dashboard-load.js') === true;
if (standalone) {
  const result = await dashboardLoad((m) => process.stderr.write(`${m}\n`));
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
