import type Database from 'better-sqlite3';
import type { TopLevelSpec } from 'vega-lite';
import type { Task } from '../../shared/task.js';
import { loadPredictions } from '../analysis/load.js';
import { lossCurveChart } from '../report/charts.js';
import { escapeHtml, htmlTable } from '../report/html.js';
import { toVegaSpec } from '../report/render-svg.js';
import { functionSpec, regionsSpec } from '../report/report.js';
import type { ChartView } from './analysis-view.js';
import { layout, studyHref } from './pages.js';
import type { TaskDetail } from './queries.js';

/** Result columns shown as metrics; JSON blobs get their own views. */
const HIDDEN_RESULT_COLUMNS = new Set(['task_id', 'versions_json', 'loss_curve_json']);

function label(task: Task): string {
  const params = Object.entries(task.target.params)
    .filter(([, v]) => v !== null)
    .map(([k, v]) => `${k}=${String(v)}`);
  return `${task.target.name} (${[`d = ${task.dim}`, ...params].join(', ')})`;
}

function parametersTable(task: Task, detail: TaskDetail): string {
  const rows: Array<Record<string, unknown>> = [
    { parameter: 'target', value: task.target.name },
    { parameter: 'target parameters', value: task.target.params },
    { parameter: 'kind', value: task.kind },
    { parameter: 'd', value: task.dim },
    { parameter: 'width', value: task.width },
    { parameter: 'seed', value: task.seed },
    ...Object.entries(task.train).map(([k, v]) => ({ parameter: `train.${k}`, value: v })),
    ...Object.entries(task.eval).map(([k, v]) => ({ parameter: `eval.${k}`, value: v })),
    { parameter: 'status', value: detail.task.status },
    { parameter: 'attempts', value: detail.task.attempts },
    { parameter: 'studies', value: detail.studies.join(', ') },
  ];
  return htmlTable(['parameter', 'value'], rows);
}

function charts(db: Database.Database, task: Task, detail: TaskDetail): ChartView[] {
  const out: ChartView[] = [];
  const name = label(task);
  if (detail.result !== undefined) {
    const curve = JSON.parse(detail.result.loss_curve_json) as Array<[number, number | null]>;
    out.push({
      id: 'loss',
      caption: 'Training loss as recorded (at most 200 points).',
      spec: toVegaSpec(lossCurveChart(name, curve)),
    });
  }
  const predictions = loadPredictions(db, [task.id]);
  const shown = [
    {
      taskId: task.id,
      width: task.width,
      seed: task.seed,
      l1: (detail.result?.l1_error as number | null | undefined) ?? null,
    },
  ];
  const curve = { target: task.target.name, targetParams: task.target.params, label: name };
  let spec: TopLevelSpec | null = null;
  if (task.dim === 1) spec = functionSpec(curve, shown, predictions);
  if (task.dim === 2 && task.kind === 'classification')
    spec = regionsSpec(curve, shown, predictions);
  if (spec !== null) {
    out.push({
      id: 'prediction',
      caption:
        task.dim === 1
          ? 'The trained network on 256 grid points against the target.'
          : 'Predicted class on the 64 x 64 grid; red cells are misclassified.',
      spec: toVegaSpec(spec),
    });
  }
  return out;
}

/** JSON inside a <script> element: `<` escaped, so no text can close the element. */
const scriptJson = (value: unknown): string => JSON.stringify(value).replace(/</g, '\\u003c');

/** A task: its parameters, metrics, references, loss curve and learned function or regions. */
export function taskPage(db: Database.Database, detail: TaskDetail): string {
  const task = JSON.parse(detail.task.spec_json) as Task;
  const result = detail.result;
  const metrics =
    result === undefined
      ? '<p class="meta">No result stored yet.</p>'
      : htmlTable(
          ['metric', 'value'],
          Object.entries(result)
            .filter(([k]) => !HIDDEN_RESULT_COLUMNS.has(k))
            .map(([metric, value]) => ({ metric, value })),
        );
  const references =
    detail.references.length === 0
      ? '<p class="meta">No reference approximants stored.</p>'
      : htmlTable(
          Object.keys(detail.references[0] ?? {}).filter((c) => c !== 'task_id'),
          detail.references,
        );
  const error =
    detail.task.error === null
      ? ''
      : `<h2>${detail.task.status === 'diverged' ? 'Why it diverged' : 'Last error'}</h2><pre class="error">${escapeHtml(detail.task.error)}</pre>`;
  const studies = detail.studies
    .map((s) => `<a href="${escapeHtml(studyHref(s))}">${escapeHtml(s)}</a>`)
    .join(', ');
  return layout(
    { title: `widthsweep: task ${task.id}`, page: 'task' },
    `<h1>Task ${escapeHtml(task.id)}</h1>
<p class="meta">${escapeHtml(label(task))}, width ${task.width}, seed ${task.seed}; in ${studies || 'no study'}</p>
${error}
<h2>Parameters</h2>${parametersTable(task, detail)}
<h2>Metrics</h2>${metrics}
<h2>References</h2>${references}
<h2>Plots</h2><div id="charts" class="charts"></div>
<script type="application/json" id="chart-data">${scriptJson(charts(db, task, detail))}</script>`,
  );
}
