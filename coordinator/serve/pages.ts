import { fmt } from '../analysis/verdicts.js';
import { escapeHtml, htmlTable, REPORT_STYLE } from '../report/html.js';
import type { CurvePointRow, StudyOverview, TaskListRow } from './queries.js';
import { THROUGHPUT_WINDOW_MIN } from './queries.js';

const DASHBOARD_STYLE = `
nav { font-size: .9em; margin-bottom: 1em; } nav a { margin-right: 1em; }
.bar { display: flex; height: 14px; width: 100%; max-width: 600px; background: #eee; border-radius: 3px; overflow: hidden; }
.bar span { display: block; height: 100%; }
.s-done { background: #54a24b; } .s-running { background: #4c78a8; } .s-failed { background: #d62728; }
.s-diverged { background: #f58518; } .s-pending { background: #ddd; }
.charts { display: flex; flex-wrap: wrap; gap: 1.5em; }
.chart { min-height: 120px; }
pre.error { background: #f8d7da; padding: .6em; white-space: pre-wrap; }
#live { font-size: .8em; color: #555; }
`;

/** A link inside the dashboard; both the path segment and the attribute are escaped. */
export const studyHref = (study: string): string => `/studies/${encodeURIComponent(study)}`;
export const taskHref = (taskId: string): string => `/tasks/${encodeURIComponent(taskId)}`;
const link = (href: string, text: string): string =>
  `<a href="${escapeHtml(href)}">${escapeHtml(text)}</a>`;

export interface LayoutOptions {
  readonly title: string;
  /** `studies`, `study` or `task`: what the client script does on this page. */
  readonly page: string;
  /** Data attributes for the client script (already plain strings; escaped here). */
  readonly data?: Readonly<Record<string, string>>;
}

/** The page shell: the report's style, vega from this server, the dashboard script. */
export function layout(options: LayoutOptions, body: string): string {
  const data = Object.entries(options.data ?? {})
    .map(([k, v]) => ` data-${k}="${escapeHtml(v)}"`)
    .join('');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(options.title)}</title>
<link rel="icon" href="data:,">
<style>${REPORT_STYLE}${DASHBOARD_STYLE}</style>
<script src="/assets/vega.min.js" defer></script>
<script src="/assets/vega-lite.min.js" defer></script>
<script src="/assets/vega-embed.min.js" defer></script>
<script src="/assets/dashboard.js" type="module"></script>
</head>
<body data-page="${escapeHtml(options.page)}"${data}>
<nav><a href="/">studies</a><span id="live">connecting…</span></nav>
${body}
</body>
</html>
`;
}

const STATUSES = ['done', 'running', 'failed', 'diverged', 'pending'] as const;

/** One bar segment per status, proportional to its count. */
function progressBar(s: StudyOverview): string {
  if (s.total === 0) return '';
  const parts = STATUSES.filter((k) => s[k] > 0).map(
    (k) =>
      `<span class="s-${k}" style="width:${((100 * s[k]) / s.total).toFixed(2)}%" title="${k}: ${s[k]}"></span>`,
  );
  return `<div class="bar">${parts.join('')}</div>`;
}

const throughput = (s: StudyOverview): string => `${fmt(s.recentPerMinute)}/min`;

/** The studies table (a live fragment). */
export function studiesTable(studies: readonly StudyOverview[]): string {
  if (studies.length === 0) return '<p>No studies in this database yet.</p>';
  const head = [
    'study',
    'total',
    'pending',
    'running',
    'done',
    'failed',
    'diverged',
    'progress',
    'last result',
    `results (last ${THROUGHPUT_WINDOW_MIN} min)`,
  ];
  const rows = studies.map(
    (s) =>
      `<tr data-study="${escapeHtml(s.study)}"><td class="text">${link(studyHref(s.study), s.study)}</td>${[
        s.total,
        s.pending,
        s.running,
        s.done,
        s.failed,
        s.diverged,
      ]
        .map((n) => `<td>${n}</td>`)
        .join(
          '',
        )}<td class="text">${progressBar(s)}</td><td class="text">${escapeHtml(s.lastResultAt ?? '')}</td><td>${escapeHtml(throughput(s))}</td></tr>`,
  );
  return `<table id="studies"><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

export function studiesPage(studies: readonly StudyOverview[], dbPath: string): string {
  return layout(
    { title: 'widthsweep: studies', page: 'studies' },
    `<h1>widthsweep studies</h1>
<p class="meta">${escapeHtml(dbPath)}; updates live as results are stored.</p>
<div data-live="/fragments/studies">${studiesTable(studies)}</div>`,
  );
}

/** Per curve (target, parameters, mode, d) a row, per width a cell: done/tasks and the median. */
function curvesTable(points: readonly CurvePointRow[]): string {
  if (points.length === 0) return '';
  const widths = [...new Set(points.map((p) => p.width))].sort((a, b) => a - b);
  const curves = new Map<string, CurvePointRow[]>();
  for (const p of points) {
    const key = `${p.target}\u0000${p.target_params}\u0000${p.mode}\u0000${p.dim}`;
    curves.set(key, [...(curves.get(key) ?? []), p]);
  }
  const rows = [...curves.values()].map((ps) => {
    const first = ps[0] as CurvePointRow;
    const cells = widths.map((w) => {
      const p = ps.find((q) => q.width === w);
      if (p === undefined) return '<td></td>';
      const median = p.median_l1 === null ? '' : ` · ${fmt(p.median_l1)}`;
      return `<td title="done/tasks · median L1">${p.done}/${p.tasks}${escapeHtml(median)}</td>`;
    });
    const params = Object.entries(JSON.parse(first.target_params) as Record<string, unknown>)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => `, ${k}=${String(v)}`)
      .join('');
    const mode = first.mode === 'direct' ? '' : `, ${first.mode}`;
    const name = `${first.target} (d = ${first.dim}${params}${mode})`;
    return `<tr><td class="text">${escapeHtml(name)}</td>${cells.join('')}</tr>`;
  });
  return `<table id="curves"><thead><tr><th>curve</th>${widths.map((w) => `<th>m = ${w}</th>`).join('')}</tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

function taskList(title: string, rows: readonly TaskListRow[], withError: boolean): string {
  if (rows.length === 0) return '';
  const body = rows.map((r) => ({
    task: r.task_id,
    target: r.target,
    d: r.dim,
    width: r.width,
    seed: r.seed,
    status: r.status,
    l1: r.l1_error,
    finished: r.finished_at,
    ...(withError ? { error: r.error } : {}),
  }));
  const columns = Object.keys(body[0] ?? {});
  // htmlTable escapes every cell; the task id becomes a link afterwards, by its escaped text.
  let html = htmlTable(columns, body);
  for (const r of rows) {
    const id = escapeHtml(r.task_id);
    html = html.replace(
      `<td class="text">${id}</td>`,
      `<td class="text">${link(taskHref(r.task_id), r.task_id)}</td>`,
    );
  }
  return `<h3>${escapeHtml(title)}</h3>\n${html}`;
}

export interface StudyProgressParts {
  readonly overview: StudyOverview;
  readonly curves: readonly CurvePointRow[];
  readonly recent: readonly TaskListRow[];
  readonly failed: readonly TaskListRow[];
}

/** The study's counts, per-point progress and task lists (a live fragment, SQL only). */
export function studyProgress(parts: StudyProgressParts): string {
  const s = parts.overview;
  const counts = htmlTable(
    ['total', 'pending', 'running', 'done', 'failed', 'diverged', 'last result', 'results/min'],
    [
      {
        total: s.total,
        pending: s.pending,
        running: s.running,
        done: s.done,
        failed: s.failed,
        diverged: s.diverged,
        'last result': s.lastResultAt ?? '',
        'results/min': `${fmt(s.recentPerMinute)} (last ${THROUGHPUT_WINDOW_MIN} min)`,
      },
    ],
  );
  return [
    `<div id="counts" data-done="${s.done}" data-total="${s.total}">${counts}${progressBar(s)}</div>`,
    curvesTable(parts.curves),
    taskList('Latest results', parts.recent, false),
    taskList('Failed tasks', parts.failed, true),
  ].join('\n');
}

/**
 * The study page. `search` is the width search's state as `status` prints it (brackets,
 * decisions per probed width, cost against a full grid), for studies with a search section.
 */
export function studyPage(
  parts: StudyProgressParts,
  workers: boolean,
  search: string | undefined = undefined,
): string {
  const s = parts.overview;
  const base = studyHref(s.study);
  return layout(
    {
      title: `widthsweep: ${s.study}`,
      page: 'study',
      data: { study: s.study, analysis: `/api${base}/analysis` },
    },
    `<h1>${escapeHtml(s.study)}</h1>
${s.description === null ? '' : `<p class="meta">${escapeHtml(s.description)}</p>`}
<section><h2>Progress</h2><div id="progress" data-live="/fragments${base}/progress">${studyProgress(parts)}</div></section>
${search === undefined ? '' : `<section><h2>Width search</h2><pre id="search">${escapeHtml(search)}</pre></section>`}
${workers ? '<section><h2>Workers</h2><div id="workers" data-poll="/fragments/workers"><p class="meta">asking NATS for heartbeats…</p></div></section>' : ''}
<section><h2>Convergence</h2><p id="analysis-status" class="meta">analysing…</p><div id="charts" class="charts"></div><div id="analysis"></div></section>`,
  );
}
