import { plainText } from '../../shared/plain-text.js';
import { groupColumns, groupRows, headline } from '../analysis/render.js';
import type { GroupAnalysis, StudyAnalysis } from '../analysis/types.js';
import { fmt } from '../analysis/verdicts.js';

/** Text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** The report's style sheet; the dashboard shares it, so both look alike. */
export const REPORT_STYLE = `
body { font-family: sans-serif; margin: 2em auto; max-width: 1100px; color: #222; line-height: 1.4; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 2em; }
h3 { font-size: 1.05em; margin-bottom: .3em; }
table { border-collapse: collapse; margin: .5em 0 1em; font-size: .85em; }
th, td { border: 1px solid #ddd; padding: .2em .5em; text-align: right; }
th { background: #f4f4f4; } td.text { text-align: left; }
.answer { font-weight: bold; text-transform: uppercase; font-size: .8em; padding: .1em .4em; border-radius: 3px; }
.yes { background: #d4edda; } .partly, .inconclusive { background: #fff3cd; } .no { background: #f8d7da; }
.nodata { background: #e2e3e5; }
.verdict { background: #f8f9fa; border-left: 3px solid #6c757d; padding: .4em .8em; }
.warning { background: #f8d7da; border-left: 3px solid #d62728; padding: .4em .8em; }
figure { margin: 1em 0; overflow-x: auto; } figure svg { max-width: 100%; height: auto; }
.mark-rect path { shape-rendering: crispEdges; }
.meta { color: #555; font-size: .9em; }
`;

const cell = (value: unknown): string => {
  if (value === null || value === undefined) return '<td></td>';
  if (typeof value === 'number') {
    return `<td>${Number.isInteger(value) ? String(value) : fmt(value)}</td>`;
  }
  return `<td class="text">${escapeHtml(plainText(value))}</td>`;
};

export function htmlTable(
  columns: readonly string[],
  rows: ReadonlyArray<Record<string, unknown>>,
): string {
  const head = columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const body = rows.map((r) => `<tr>${columns.map((c) => cell(r[c])).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

export function verdictsTable(analysis: StudyAnalysis): string {
  const rows = analysis.verdicts.map((v) => {
    const css = v.answer === 'no data' ? 'nodata' : v.answer;
    return `<tr><td class="text">${v.rq}</td><td class="text"><span class="answer ${css}">${escapeHtml(v.answer)}</span></td><td class="text">${escapeHtml(v.question)}</td><td class="text">${escapeHtml(v.evidence)}</td><td class="text">${escapeHtml(v.limits)}</td></tr>`;
  });
  return `<table><thead><tr><th>RQ</th><th>answer</th><th>question</th><th>evidence</th><th>limits</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

/** A curve's heading, per-width table, verdict and warnings. */
export function groupSection(g: GroupAnalysis): string {
  return [
    `<h3>${escapeHtml(headline(g))}</h3>`,
    htmlTable(groupColumns(g), groupRows(g)),
    `<p class="verdict">${escapeHtml(g.verdict)}</p>`,
    ...g.warnings.map((w) => `<p class="warning">${escapeHtml(w)}</p>`),
  ].join('\n');
}

/** An inline SVG chart. */
export function figure(svg: string, caption: string): string {
  return `<figure>${svg}<figcaption class="meta">${escapeHtml(caption)}</figcaption></figure>`;
}

export interface PageParts {
  readonly analysis: StudyAnalysis;
  /** One line on the recipe (steps, samples, ...). */
  readonly recipe: string;
  /** Per target: its charts and curve sections, already HTML. */
  readonly sections: ReadonlyArray<{ readonly title: string; readonly html: string }>;
  readonly generatedAt: string;
}

/** The whole report: one HTML file with inline CSS and SVG, nothing to fetch. */
export function reportPage(parts: PageParts): string {
  const { analysis } = parts;
  const eps = analysis.options.eps.map((e) => fmt(e)).join(', ');
  const toc = parts.sections
    .map((s, i) => `<li><a href="#target-${i}">${escapeHtml(s.title)}</a></li>`)
    .join('');
  const body = parts.sections
    .map((s, i) => `<section id="target-${i}"><h2>${escapeHtml(s.title)}</h2>\n${s.html}</section>`)
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>widthsweep report: ${escapeHtml(analysis.study)}</title>
<style>${REPORT_STYLE}</style>
</head>
<body>
<h1>widthsweep report: ${escapeHtml(analysis.study)}</h1>
<p class="meta">${escapeHtml(parts.recipe)}<br>eps levels: ${escapeHtml(eps)}; slope intervals: ${Math.round(analysis.options.level * 100)}% percentile bootstrap over seeds (${analysis.options.resamples} resamples); a tail is flat when its log-log slope is above -${fmt(analysis.options.flatSlope)}. Generated ${escapeHtml(parts.generatedAt)}.</p>
<h2>Research questions</h2>
${verdictsTable(analysis)}
<ul>${toc}</ul>
${body}
</body>
</html>
`;
}
