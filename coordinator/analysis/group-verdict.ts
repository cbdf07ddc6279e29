import type { ResolvedAnalysisOptions } from './options.js';
import { fitLogLog } from '../../shared/stats.js';
import { targetFacts } from './target-facts.js';
import type { PointSummary } from './types.js';
import {
  describeEps,
  fmt,
  fmtWidth,
  lastMedian,
  limitPhrase,
  rate,
  rateIsMeaningful,
  span,
} from './verdicts.js';
import type { Group } from './verdicts.js';

const present = (values: ReadonlyArray<number | null>): number[] =>
  values.filter((v): v is number => v !== null && Number.isFinite(v));

const maxOf = (values: ReadonlyArray<number | null>): number | null => {
  const v = present(values);
  return v.length === 0 ? null : Math.max(...v);
};

function widthList(points: readonly PointSummary[]): string {
  const w = points.map((p) => p.width);
  return w.length === 1 ? `width ${w[0]}` : `widths ${w[0]}-${w[w.length - 1]}`;
}

function listOf(values: readonly string[]): string {
  return values.length === 0 ? 'n/a' : values.join(', ');
}

/**
 * Why a curve stopped falling, as far as the random-feature reference can tell; used only where
 * the decomposition is undetermined (results without training-set errors). A reference that
 * keeps falling past the saturation width and ends below the trained error shows that training
 * limits it; one that flattens too points at what both share (the sample, the evaluation floor).
 */
function saturationCause(g: Group, flatSlope: number): string {
  const pick = (p: PointSummary) =>
    g.kind === 'classification' ? p.medianRefSharpenedL1 : p.medianRefL1;
  const trained = (p: PointSummary) =>
    g.kind === 'classification' ? p.medianSharpenedL1 : p.medianL1;
  const after = g.points.filter(
    (p) => g.saturationWidth !== null && p.width >= g.saturationWidth && (pick(p) ?? 0) > 0,
  );
  const last = after[after.length - 1];
  if (after.length < 2 || last === undefined) return '';
  const refTail = fitLogLog(
    after.map((p) => p.width),
    after.map((p) => pick(p) ?? Number.NaN),
  ).slope;
  if (!(refTail < -flatSlope)) {
    return `; the random-feature reference flattens too (m^${fmt(refTail)}), pointing at the training sample or the evaluation floor`;
  }
  return (pick(last) ?? Infinity) < (trained(last) ?? 0)
    ? `; the random-feature reference keeps falling (m^${fmt(refTail)}) and ends below it, so training, not width, limits it`
    : `; the random-feature reference still falls (m^${fmt(refTail)}) but stays above it, so the reference cannot tell a training limit from a sample limit`;
}

/**
 * The decomposition's verdict on what limits the curve, with the numbers it rests on (over the
 * upper widths it was read from) and what would lift the limit.
 */
export function describeLimit(g: Group, options: ResolvedAnalysisOptions): string {
  const tail = g.points.filter((p) => g.limit.tailWidths.includes(p.width));
  const at = widthList(tail);
  const est = maxOf(tail.map((p) => p.estimationGap));
  const estL2 = maxOf(tail.map((p) => p.estimationGapL2));
  const opt = tail.map((p) => p.optimisationGap);
  const methods = listOf([...new Set(tail.flatMap((p) => p.bestRefMethod ?? []))]);
  const samples = listOf(g.recipe.samples.map(String));
  const l2 = estL2 === null ? '' : ` (evaluation L2 / training RMSE up to ${fmt(estL2)})`;
  const head = `Limit: ${limitPhrase(g).replace(/^limit: /, '')}.`;
  switch (g.limit.factor) {
    case 'no data':
      return `No data: none of the ${g.points.reduce((n, p) => n + p.tasks, 0)} tasks is done.`;
    case 'samples': {
      const alsoOpt = g.limit.also.includes('optimizer')
        ? ' Even on its own training points training stays more than the optimisation threshold above the best reference, so the optimizer limits it too.'
        : '';
      return `${head} At ${at} the evaluation L1 error is up to ${fmt(est)} x the error on the training points${l2}, above the estimation threshold ${fmt(options.estimationGap)}: the nets fit their ${samples} training points much better than fresh points, so the curve measures the training sample, not the width. More training samples would lift it (train.samples ${samples}: try 4x, or auto).${alsoOpt}`;
    }
    case 'optimizer':
      return `${head} At ${at} training reaches ${fmt(Math.min(...present(opt)))}-${fmt(maxOf(opt))} x the best reference of the same width (${methods}), above the optimisation threshold ${fmt(options.optimisationGap)}, while fresh and training points agree (estimation gap up to ${fmt(est)}): a width-m network does that much better, so the curve measures the optimizer (${listOf([...g.recipe.optimizers])}), not the width. Another optimizer, more steps, restarts or train.init: reference would lift it.`;
    case 'evaluation floor': {
      const lowest = Math.min(...present(tail.map((p) => p.medianL1)));
      return `${head} At ${at} the median L1 error (down to ${fmt(lowest)}) is within ${fmt(options.floorStderrs)} standard errors of the evaluation's noise or below ${fmt(options.floorL1)}: the error cannot be told from zero. More evaluation points (eval.samples) resolve smaller errors; below ${fmt(options.floorL1)} float32 arithmetic dominates.`;
    }
    case 'undetermined': {
      const missing = [
        tail.every((p) => p.medianTrainL1 === null) ? 'no training-set errors' : '',
        tail.every((p) => p.medianBestRef === null) ? 'no reference approximant' : '',
      ].filter((s) => s !== '');
      return `${head} At ${at} the results have ${listOf(missing.length > 0 ? missing : ['incomplete decomposition data'])}: the error cannot be attributed to the width, the samples or the optimizer. Rerunning with a worker that stores training-set errors and references would settle it.`;
    }
    case 'width':
      return `${head} At ${at} fresh and training points agree (estimation gap up to ${fmt(est)}) and the trained error is at most ${fmt(maxOf(opt))} x the best reference's (${methods}): the curve measures what the width buys.`;
  }
}

function shapeSentence(g: Group, options: ResolvedAnalysisOptions): string {
  const measure = g.kind === 'classification' ? 'softmax L1 error' : 'L1 error';
  const done = g.points.filter((p) => p.n > 0).length;
  switch (g.shape) {
    case 'too-few-points':
      return `Only ${done} width${done === 1 ? '' : 's'} with results: no rate from fewer than ${options.minRateWidths}.`;
    case 'flat':
      return `Flat: the median ${measure} stays near ${fmt(lastMedian(g))} over ${span(g)} (log-log slope ${fmt(g.slope)}); a width exponent is meaningless here.`;
    case 'falling':
      return `The median ${measure} falls as ${rate(g)} over ${span(g)} and is still falling at the largest width.`;
    case 'saturating': {
      const cause = g.limit.factor === 'undetermined' ? saturationCause(g, options.flatSlope) : '';
      const fall =
        g.slope === null
          ? `falls over fewer than ${options.minRateWidths} widths (no rate)`
          : `falls as ${rate(g)} over ${span(g)}`;
      return `The median ${measure} ${fall}, then stops falling from width ${g.saturationWidth} (${fmt(lastMedian(g))} at the largest width)${cause}.`;
    }
  }
}

/** Whether the rate measures the width, when the decomposition over its fit range says so. */
function rateSentence(g: Group): string {
  if (g.slope === null || g.fitLimit === null || g.shape === 'flat') return '';
  if (rateIsMeaningful(g)) {
    return g.limit.factor === 'width'
      ? ''
      : `Over the fit range (${span(g)}) the limit is the width, so the rate there is a width rate.`;
  }
  const limit = g.fitLimit.factor;
  return limit === 'width'
    ? ''
    : `The fitted slope measures ${limit === 'undetermined' ? 'an undetermined limit' : `the ${limit}`} over ${span(g)}, not the width: no width rate is claimed.`;
}

/** One curve's verdict in a few sentences, and its warnings. */
export function groupVerdict(
  g: Group,
  options: ResolvedAnalysisOptions,
): { verdict: string; warnings: string[] } {
  if (g.limit.factor === 'no data') {
    return { verdict: `${describeLimit(g, options)} eps: no data.`, warnings: [] };
  }
  const facts = targetFacts(g.target, g.dim, g.targetParams);
  const parts: string[] = [shapeSentence(g, options)];
  if (g.shape === 'flat') {
    parts.push(
      facts.widthFree === null
        ? 'Width does not lower the error at this training recipe.'
        : `Expected: ${facts.widthFree}.`,
    );
  } else if (facts.widthFree !== null && g.shape !== 'too-few-points') {
    parts.push(
      `Theory: ${facts.expected ?? 'not width-limited'}, because ${facts.widthFree}; a width exponent and an eps-width are meaningless here.`,
    );
  } else if (facts.expected !== null && g.shape !== 'too-few-points') {
    parts.push(`Theory: ${facts.expected}.`);
  }
  parts.push(describeLimit(g, options), rateSentence(g));
  if (g.slopeCi === null && g.slope !== null) {
    parts.push('No interval: fewer than two seeds per width.');
  }
  if (g.kind === 'classification' && g.sharpenedSlope !== null) {
    parts.push(`Sharpened L1 (-> 2 x misclassified) slope m^${fmt(g.sharpenedSlope)}.`);
  }
  const gaps = present(g.points.map((p) => p.gap));
  if (gaps.length > 0) {
    const lo = Math.min(...gaps);
    const hi = Math.max(...gaps);
    const side =
      hi < 1
        ? 'training beats the random-feature reference at every width'
        : lo > 1
          ? 'training trails the random-feature reference at every width'
          : 'training beats the random-feature reference at some widths and trails it at others';
    parts.push(`Gap trained/random features ${fmt(lo)}-${fmt(hi)}: ${side}.`);
  }
  parts.push(`eps ${g.eps.map(describeEps).join('; ')}.`);
  const verdict = parts.filter((p) => p !== '').join(' ');
  return { verdict, warnings: [...rangeWarnings(g), ...sanityWarnings(g, facts.smooth)] };
}

/** A rate that the two halves of its fit range disagree on is a rate of that range only. */
function rangeWarnings(g: Group): string[] {
  const check = g.rangeCheck;
  if (check === null || check.overlap) return [];
  const half = (h: typeof check.lower) =>
    `widths ${fmtWidth(h.widths[0])}-${fmtWidth(h.widths[1])} give m^${fmt(h.slope)} [${fmt(h.ci[0])}, ${fmt(h.ci[1])}]`;
  return [
    `the slope depends on the fit range: ${half(check.lower)}, ${half(check.upper)}, and the intervals do not overlap; the curve is not one power law over ${span(g)}, so quote the rate with its widths; no eps-width is extrapolated from it`,
  ];
}

/** The notes' red flags for smooth 1-D targets: they indicate an evaluation bug, not a result. */
function sanityWarnings(g: Group, smooth: boolean): string[] {
  if (!smooth || g.dim !== 1 || g.kind !== 'regression') return [];
  const warnings: string[] = [];
  if (g.slopeCi !== null && g.slopeCi[1] < -2) {
    warnings.push(
      `slope interval ${fmt(g.slopeCi[0])} to ${fmt(g.slopeCi[1])} is steeper than -2, the m-knot interpolant's rate: check the evaluation`,
    );
  }
  for (const p of g.points) {
    if (p.medianL1 !== null && p.medianInterpL1 !== null && p.medianL1 < 0.25 * p.medianInterpL1) {
      warnings.push(
        `at width ${p.width} the median error ${fmt(p.medianL1)} is below a quarter of the interpolant's ${fmt(p.medianInterpL1)}: check the evaluation`,
      );
    }
  }
  return warnings;
}
