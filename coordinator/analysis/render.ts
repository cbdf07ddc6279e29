import { plainText } from '../../shared/plain-text.js';
import { formatTable } from '../format.js';
import type { CurveLimit } from './decomposition.js';
import type { GroupAnalysis, HalfFit, PointSummary, StudyAnalysis } from './types.js';
import { fmt, limitPhrase, rateIsMeaningful } from './verdicts.js';

/** The eps key of the JSON output: the number as JavaScript prints it ("0.01", "1e-7"). */
export const epsKey = (eps: number): string => String(eps);

const round = (x: number | null, digits = 6): number | null =>
  x === null || !Number.isFinite(x) ? null : Number(x.toPrecision(digits));

function pointJson(p: PointSummary, classification: boolean): Record<string, unknown> {
  return {
    width: p.width,
    tasks: p.tasks,
    n: p.n,
    median_l1: p.medianL1,
    q1: p.q1,
    q3: p.q3,
    min_l1: p.minL1,
    max_l1: p.maxL1,
    median_ref_l1: p.medianRefL1,
    median_interp_l1: p.medianInterpL1,
    gap: round(p.gap),
    median_l2: p.medianL2,
    median_l1_stderr: p.medianL1Stderr,
    median_train_l1: p.medianTrainL1,
    median_train_l2: p.medianTrainL2,
    ...(classification
      ? { median_best_ref_sharpened_l1: p.medianBestRef }
      : { median_best_ref_l1: p.medianBestRef }),
    best_ref_method: p.bestRefMethod,
    estimation_gap: round(p.estimationGap),
    estimation_gap_l2: round(p.estimationGapL2),
    optimisation_gap: round(p.optimisationGap),
    limit: p.limit,
    also_limited_by: p.alsoLimitedBy,
    ...(classification
      ? {
          median_accuracy: p.medianAccuracy,
          median_sharpened_l1: p.medianSharpenedL1,
          median_ref_sharpened_l1: p.medianRefSharpenedL1,
          median_interp_sharpened_l1: p.medianInterpSharpenedL1,
        }
      : {}),
  };
}

function limitJson(limit: CurveLimit): Record<string, unknown> {
  return {
    factor: limit.factor,
    from_width: limit.fromWidth,
    also: limit.also,
    tail_widths: limit.tailWidths,
  };
}

function halfJson(h: HalfFit): Record<string, unknown> {
  return { widths: h.widths, slope: round(h.slope, 4), ci: h.ci.map((x) => round(x, 4)) };
}

function groupJson(g: GroupAnalysis): Record<string, unknown> {
  const classification = g.kind === 'classification';
  return {
    target: g.target,
    target_params: g.targetParams,
    task: g.kind,
    mode: g.mode,
    dim: g.dim,
    label: g.label,
    points: g.points.map((p) => pointJson(p, classification)),
    shape: g.shape,
    rate_meaningful: rateIsMeaningful(g),
    slope: round(g.slope, 4),
    slope_ci: g.slopeCi === null ? null : g.slopeCi.map((x) => round(x, 4)),
    fit_widths: g.fitWidths,
    saturation_width: g.saturationWidth,
    ref_slope: round(g.refSlope, 4),
    interp_slope: round(g.interpSlope, 4),
    ...(classification ? { sharpened_slope: round(g.sharpenedSlope, 4) } : {}),
    eps_width: Object.fromEntries(g.eps.map((e) => [epsKey(e.eps), round(e.width, 4)])),
    eps_extrapolated_width: Object.fromEntries(
      g.eps.map((e) => [epsKey(e.eps), round(e.extrapolated, 4)]),
    ),
    eps_refusal: Object.fromEntries(g.eps.map((e) => [epsKey(e.eps), e.refusal])),
    limit: limitJson(g.limit),
    fit_limit: g.fitLimit === null ? null : limitJson(g.fitLimit),
    range_check:
      g.rangeCheck === null
        ? null
        : {
            lower: halfJson(g.rangeCheck.lower),
            upper: halfJson(g.rangeCheck.upper),
            overlap: g.rangeCheck.overlap,
          },
    recipe: { samples: g.recipe.samples, optimizers: g.recipe.optimizers },
    median_gap: round(g.medianGap, 4),
    warnings: g.warnings,
    verdict: g.verdict,
  };
}

/** The analysis as the JSON object the README documents (snake_case keys). */
export function analysisJson(analysis: StudyAnalysis): Record<string, unknown> {
  return {
    study: analysis.study,
    eps: analysis.options.eps,
    groups: analysis.groups.map(groupJson),
    verdicts: analysis.verdicts.map((v) => ({
      rq: v.rq,
      question: v.question,
      answer: v.answer,
      evidence: v.evidence,
      limits: v.limits,
    })),
  };
}

/** The error decomposition, after the columns tables had before it. */
const DECOMPOSITION_COLUMNS = (bestRef: string): string[] => [
  'train_l1',
  bestRef,
  'best_ref',
  'est_gap',
  'est_gap_l2',
  'opt_gap',
  'limit',
];

const TABLE_COLUMNS = [
  'width',
  'n',
  'median_l1',
  'q1',
  'q3',
  'min_l1',
  'ref_l1',
  'interp_l1',
  'gap',
  ...DECOMPOSITION_COLUMNS('best_ref_l1'),
];
/**
 * Classification tables leave out the references' unit-scale L1: a least-squares fit to
 * indicators read as logits has an arbitrary temperature, so only its sharpened L1 compares.
 */
const CLASSIFICATION_COLUMNS = [
  'width',
  'n',
  'median_l1',
  'q1',
  'q3',
  'min_l1',
  'accuracy',
  'sharpened_l1',
  'ref_sharpened_l1',
  'interp_sharpened_l1',
  'gap',
  ...DECOMPOSITION_COLUMNS('best_ref_sharpened_l1'),
];

function pointRow(p: PointSummary): Record<string, unknown> {
  return {
    width: p.width,
    n: p.tasks === p.n ? p.n : `${p.n}/${p.tasks}`,
    median_l1: p.medianL1,
    q1: p.q1,
    q3: p.q3,
    min_l1: p.minL1,
    ref_l1: p.medianRefL1,
    interp_l1: p.medianInterpL1,
    gap: p.gap,
    accuracy: p.medianAccuracy,
    sharpened_l1: p.medianSharpenedL1,
    ref_sharpened_l1: p.medianRefSharpenedL1,
    interp_sharpened_l1: p.medianInterpSharpenedL1,
    train_l1: p.medianTrainL1,
    best_ref_l1: p.medianBestRef,
    best_ref_sharpened_l1: p.medianBestRef,
    best_ref: p.bestRefMethod,
    est_gap: p.estimationGap,
    est_gap_l2: p.estimationGapL2,
    opt_gap: p.optimisationGap,
    limit: p.n === 0 ? null : p.limit,
  };
}

/** The per-width table's columns for a group: no all-empty reference columns. */
export function groupColumns(g: GroupAnalysis): string[] {
  const rows = g.points.map(pointRow);
  const columns = g.kind === 'classification' ? CLASSIFICATION_COLUMNS : TABLE_COLUMNS;
  return columns.filter((c) => rows.some((r) => r[c] !== null && r[c] !== undefined));
}

export function groupRows(g: GroupAnalysis): Array<Record<string, unknown>> {
  return g.points.map(pointRow);
}

/** `sine (d = 2): falling, slope -0.77 [-0.9, -0.6], limit: samples from width 64`. */
export function headline(g: GroupAnalysis): string {
  if (g.limit.factor === 'no data') return `${g.label}: no data`;
  const ci = g.slopeCi === null ? '' : ` [${fmt(g.slopeCi[0])}, ${fmt(g.slopeCi[1])}]`;
  const sat = g.saturationWidth === null ? '' : `, saturates at ${g.saturationWidth}`;
  const slope = g.slope === null ? 'no rate' : `slope ${fmt(g.slope)}${ci}`;
  return `${g.label}: ${g.shape}, ${slope}${sat}, ${limitPhrase(g)}`;
}

/** Plain-text tables and verdicts for a terminal. */
export function analysisText(analysis: StudyAnalysis): string {
  const blocks = analysis.groups.map((g) =>
    [
      headline(g),
      formatTable(groupColumns(g), groupRows(g)),
      `verdict: ${g.verdict}`,
      ...g.warnings.map((w) => `WARNING: ${w}`),
    ].join('\n'),
  );
  const verdicts = analysis.verdicts.map(
    (v) => `${v.rq} [${v.answer}] ${v.question}\n  evidence: ${v.evidence}\n  limits: ${v.limits}`,
  );
  return [`study ${analysis.study}`, ...blocks, 'Research questions', ...verdicts].join('\n\n');
}

const mdCell = (value: unknown): string => {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : fmt(value);
  return plainText(value).replace(/\|/g, '\\|');
};

function mdTable(columns: readonly string[], rows: ReadonlyArray<Record<string, unknown>>) {
  return [
    `| ${columns.join(' | ')} |`,
    `| ${columns.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${columns.map((c) => mdCell(r[c])).join(' | ')} |`),
  ].join('\n');
}

/** Markdown: a section per curve and a table of the research-question verdicts. */
export function analysisMarkdown(analysis: StudyAnalysis): string {
  const blocks = analysis.groups.map((g) =>
    [
      `### ${headline(g)}`,
      mdTable(groupColumns(g), groupRows(g)),
      g.verdict,
      ...g.warnings.map((w) => `**Warning:** ${w}`),
    ].join('\n\n'),
  );
  const verdicts = mdTable(
    ['rq', 'answer', 'evidence', 'limits'],
    analysis.verdicts.map((v) => ({ ...v })),
  );
  return [`## Study ${analysis.study}`, ...blocks, '### Research questions', verdicts].join('\n\n');
}
