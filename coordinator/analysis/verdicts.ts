import type { Answer, GroupAnalysis, StudyVerdict } from './types.js';
import type { EpsWidth } from './eps-width.js';
import type { ResolvedAnalysisOptions } from './options.js';
import { fitLogLog } from './stats.js';
import { targetFacts } from './target-facts.js';

/** A group as the verdicts read it (everything but its own verdict). */
type Group = Omit<GroupAnalysis, 'verdict' | 'warnings'>;

/** Three significant digits, exponent form outside [1e-3, 1e4). */
export function fmt(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return 'n/a';
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e4)) return x.toExponential(2);
  return String(Number(x.toPrecision(3)));
}

/** A width for prose: whole numbers below 1e4, else exponent form. */
export function fmtWidth(w: number | null): string {
  if (w === null || !Number.isFinite(w)) return 'n/a';
  return w < 1e4 ? String(Math.round(w)) : w.toExponential(1);
}

function rate(g: Group): string {
  const ci = g.slopeCi === null ? '' : ` (95% CI ${fmt(g.slopeCi[0])} to ${fmt(g.slopeCi[1])})`;
  return `m^${fmt(g.slope)}${ci}`;
}

function span(g: Group): string {
  return g.fitWidths === null ? '' : `widths ${g.fitWidths[0]}-${g.fitWidths[1]}`;
}

function lastMedian(g: Group): number | null {
  const done = g.points.filter((p) => p.medianL1 !== null);
  return done[done.length - 1]?.medianL1 ?? null;
}

/** Decreasing with an interval that excludes zero: the evidence RQ1/RQ2 count as "falls". */
function fallsSignificantly(g: Group): boolean {
  return (
    (g.shape === 'falling' || g.shape === 'saturating') && g.slopeCi !== null && g.slopeCi[1] < 0
  );
}

/**
 * Whether the fitted slope is a width exponent at all: not for flat curves, and not for targets
 * that a fixed small width represents to any precision (their error tracks weight size).
 */
export function rateIsMeaningful(g: Group): boolean {
  const facts = targetFacts(g.target, g.dim, g.targetParams);
  return (g.shape === 'falling' || g.shape === 'saturating') && facts.widthFree === null;
}

export function describeEps(e: EpsWidth): string {
  const eps = fmt(e.eps);
  switch (e.how) {
    case 'interpolated':
      return `${eps}: width ~${fmtWidth(e.width)}`;
    case 'at-smallest':
      return `${eps}: already at width ${fmtWidth(e.width)}`;
    case 'extrapolated':
      return `${eps}: not reached, extrapolated width ~${fmtWidth(e.extrapolated)}`;
    case 'not-reached':
      return `${eps}: not reached, and the curve no longer falls`;
  }
}

/**
 * Why a curve stopped falling, as far as the reference can tell: a random-feature reference
 * that keeps falling past the saturation width and ends below the trained error shows that a
 * net of that width can do better, so training limits it; one that flattens too points at what
 * both share (the training sample, the evaluation floor); one that falls but stays above the
 * trained error tells nothing either way.
 */
function saturationCause(g: Group, flatSlope: number): string {
  const pick = (p: Group['points'][number]) =>
    g.kind === 'classification' ? p.medianRefSharpenedL1 : p.medianRefL1;
  const trained = (p: Group['points'][number]) =>
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

/** Whether any width of the curve has a result. */
function hasData(g: Group): boolean {
  return g.points.some((p) => p.n > 0);
}

/** One curve's verdict in a few sentences, and its failed sanity checks. */
export function groupVerdict(
  g: Group,
  options: ResolvedAnalysisOptions,
): { verdict: string; warnings: string[] } {
  if (!hasData(g))
    return { verdict: 'No data: no task of this curve has a result yet.', warnings: [] };
  const facts = targetFacts(g.target, g.dim, g.targetParams);
  const measure = g.kind === 'classification' ? 'softmax L1 error' : 'L1 error';
  const parts: string[] = [];
  switch (g.shape) {
    case 'too-few-points':
      parts.push('Fewer than two widths have results: no rate.');
      break;
    case 'flat':
      parts.push(
        `Flat: the median ${measure} stays near ${fmt(lastMedian(g))} over ${span(g)} (log-log slope ${fmt(g.slope)}); a width exponent is meaningless here.`,
      );
      parts.push(
        facts.widthFree === null
          ? 'Width does not limit the error at this training recipe.'
          : `Expected: ${facts.widthFree}.`,
      );
      break;
    case 'falling':
      parts.push(
        `The median ${measure} falls as ${rate(g)} over ${span(g)} and is still falling at the largest width.`,
      );
      break;
    case 'saturating':
      parts.push(
        `The median ${measure} falls as ${rate(g)} over ${span(g)}, then stops falling from width ${g.saturationWidth} (${fmt(lastMedian(g))} at the largest width)${saturationCause(g, options.flatSlope)}.`,
      );
      break;
  }
  if (facts.widthFree !== null && g.shape !== 'flat' && g.shape !== 'too-few-points') {
    parts.push(
      `Theory: ${facts.expected ?? 'not width-limited'}, because ${facts.widthFree}; the fitted slope measures what training reaches with more units, not an approximation rate.`,
    );
  } else if (facts.expected !== null && g.shape !== 'flat' && g.shape !== 'too-few-points') {
    parts.push(`Theory: ${facts.expected}.`);
  }
  if (g.slopeCi === null && g.slope !== null) {
    parts.push('No interval: fewer than two seeds per width.');
  }
  if (g.kind === 'classification' && g.sharpenedSlope !== null) {
    parts.push(`Sharpened L1 (-> 2 x misclassified) slope m^${fmt(g.sharpenedSlope)}.`);
  }
  const gaps = g.points.map((p) => p.gap).filter((x): x is number => x !== null);
  if (gaps.length > 0) {
    const lo = Math.min(...gaps);
    const hi = Math.max(...gaps);
    const side =
      hi < 1
        ? 'training beats the random-feature reference at every width'
        : lo > 1
          ? 'training trails the random-feature reference at every width'
          : 'training beats the random-feature reference at some widths and trails it at others';
    parts.push(`Gap trained/reference ${fmt(lo)}-${fmt(hi)}: ${side}.`);
  }
  parts.push(`eps ${g.eps.map(describeEps).join('; ')}.`);
  return { verdict: parts.join(' '), warnings: sanityWarnings(g, facts.smooth) };
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

function summaryLine(g: Group): string {
  switch (g.shape) {
    case 'falling':
      return `${g.label}: ${rate(g)} over ${span(g)}, ${fmt(lastMedian(g))} at the largest width`;
    case 'saturating':
      return `${g.label}: ${rate(g)} over ${span(g)}, flat from width ${g.saturationWidth}`;
    case 'flat':
      return `${g.label}: flat near ${fmt(lastMedian(g))}`;
    case 'too-few-points':
      return `${g.label}: too few widths`;
  }
}

function seedsPhrase(groups: readonly Group[]): string {
  const counts = groups.flatMap((g) => g.points.map((p) => p.n));
  const widths = groups.flatMap((g) => g.points.map((p) => p.width));
  if (counts.length === 0) return 'no results';
  const lo = Math.min(...counts);
  const hi = Math.max(...counts);
  const seeds = lo === hi ? `${lo} seed${lo === 1 ? '' : 's'}` : `${lo}-${hi} seeds`;
  return `widths ${Math.min(...widths)}-${Math.max(...widths)}, ${seeds} per width`;
}

/** RQ1 and RQ2: does the error fall with width, for one family of curves. */
function fallsVerdict(
  rq: 'RQ1' | 'RQ2',
  question: string,
  groups: readonly Group[],
  extraLimits: string,
): StudyVerdict {
  if (groups.length === 0) {
    return {
      rq,
      question,
      answer: 'no data',
      evidence: 'No such targets in this study.',
      limits: '',
    };
  }
  const widthFree = (g: Group) => targetFacts(g.target, g.dim, g.targetParams).widthFree !== null;
  const falling = groups.filter((g) => fallsSignificantly(g) && !widthFree(g));
  const expectedFlat = groups.filter(widthFree);
  const untested = groups.filter(
    (g) =>
      !widthFree(g) &&
      g.slopeCi === null &&
      (g.shape === 'falling' || g.shape === 'saturating') &&
      (g.slope ?? 0) < 0,
  );
  const stuck = groups.filter(
    (g) => !falling.includes(g) && !expectedFlat.includes(g) && !untested.includes(g),
  );
  const answer: Answer =
    falling.length > 0 && stuck.length === 0 && untested.length === 0
      ? 'yes'
      : falling.length > 0
        ? 'partly'
        : stuck.length > 0
          ? 'no'
          : 'inconclusive';
  const evidence = [
    falling.length > 0 ? `Falls with width: ${falling.map(summaryLine).join('; ')}.` : '',
    expectedFlat.length > 0
      ? `Not width-limited in theory (a fixed small width represents them; the error tracks weight size or logit scale), so no rate is claimed: ${expectedFlat.map(summaryLine).join('; ')}.`
      : '',
    untested.length > 0
      ? `Falls, but with one seed per width there is no interval: ${untested.map(summaryLine).join('; ')}.`
      : '',
    stuck.length > 0 ? `No significant fall: ${stuck.map(summaryLine).join('; ')}.` : '',
  ]
    .filter((s) => s !== '')
    .join(' ');
  const saturating = groups.filter((g) => g.shape === 'saturating').map((g) => g.label);
  const limits = [
    `Finite evidence: ${seedsPhrase(groups)}, one training recipe. A fall over measured widths supports, but cannot prove, convergence to zero.`,
    saturating.length > 0
      ? `Saturation (${saturating.join(', ')}) is a limit of this recipe (steps, samples), not shown to be a limit of width.`
      : '',
    'Intervals are a bootstrap over seeds: they ignore curvature and the choice of fit range.',
    extraLimits,
  ]
    .filter((s) => s !== '')
    .join(' ');
  return { rq, question, answer, evidence, limits };
}

function constructionVerdict(classification: readonly Group[]): StudyVerdict {
  const question =
    "Does the paper's construction (regression nets on (2K/eps)(f_i - 1/2), then softmax) approximate the indicators, next to direct cross-entropy training?";
  const construction = classification.filter((g) => g.mode === 'construction');
  if (construction.length === 0) {
    return {
      rq: 'RQ4',
      question,
      answer: 'no data',
      evidence:
        'No construction-mode groups: set train.mode to both (or construction) in the spec.',
      limits: '',
    };
  }
  const comparisons = construction.map((c) => {
    const direct = classification.find(
      (g) =>
        g.mode === 'direct' &&
        g.target === c.target &&
        g.dim === c.dim &&
        JSON.stringify(g.targetParams) === JSON.stringify(c.targetParams),
    );
    const cLast = lastMedian(c);
    const dLast = direct === undefined ? null : lastMedian(direct);
    const versus =
      direct === undefined || cLast === null || dLast === null || !(dLast > 0)
        ? ''
        : `, ${fmt(cLast / dLast)} x direct training's ${fmt(dLast)} at the largest width`;
    return `${summaryLine(c)}${versus}`;
  });
  const falling = construction.filter(fallsSignificantly);
  const answer: Answer =
    falling.length === construction.length ? 'yes' : falling.length > 0 ? 'partly' : 'no';
  return {
    rq: 'RQ4',
    question,
    answer,
    evidence: `${comparisons.join('; ')}.`,
    limits:
      'The construction is trained with MSE on f_i - 1/2 and its output layer scaled by 2K/eps afterwards (the same minimiser, better conditioned for Adam); its error on points fitted to within 1/4 is at most 2(K-1) eps/K, the rest is the volume the regression nets miss by 1/4 or more.',
  };
}

function epsVerdict(groups: readonly Group[], eps: readonly number[]): StudyVerdict {
  const question = 'Is the error below each eps with enough width?';
  if (groups.length === 0) {
    return { rq: 'RQ5', question, answer: 'no data', evidence: 'No results.', limits: '' };
  }
  let reached = 0;
  let total = 0;
  const lines = eps.map((value, i) => {
    const entries = groups.map((g) => {
      const e = g.eps[i];
      total += 1;
      if (e !== undefined && (e.how === 'interpolated' || e.how === 'at-smallest')) reached += 1;
      return e === undefined
        ? `${g.label}: n/a`
        : `${g.label} ${describeEps(e).replace(/^[^:]*: /, '')}`;
    });
    return `eps ${fmt(value)}: ${entries.join('; ')}`;
  });
  const answer: Answer = reached === total ? 'yes' : reached > 0 ? 'partly' : 'no';
  return {
    rq: 'RQ5',
    question,
    answer,
    evidence: `${lines.join('. ')}.`,
    limits:
      'Widths are interpolated in log-log between measured widths; extrapolations assume the fitted power law continues, which saturating curves show it need not.',
  };
}

/** The study's answers to RQ1-RQ5, each with its evidence and limits. */
export function studyVerdicts(
  groups: readonly Group[],
  options: ResolvedAnalysisOptions,
): StudyVerdict[] {
  // Curves without a single result say nothing either way: they answer "no data", never "no".
  const measured = groups.filter(hasData);
  const regression = measured.filter((g) => g.kind === 'regression');
  const classification = measured.filter((g) => g.kind === 'classification');
  const direct = classification.filter((g) => g.mode === 'direct');
  const rq1 = fallsVerdict(
    'RQ1',
    'Do one-hidden-layer ReLU networks approximate L1 targets ever better as width grows?',
    regression,
    '',
  );
  const rq2 = fallsVerdict(
    'RQ2',
    'Does a softmax output approximate class indicator functions in L1 ever better as width grows?',
    direct,
    'The softmax L1 error at logit scale 1 also depends on how confident training makes the logits; the sharpened L1 (scale eval.sharpen) isolates the misclassified volume.',
  );
  const both =
    rq1.answer === 'no data' || rq2.answer === 'no data'
      ? 'no data'
      : rq1.answer === 'yes' && rq2.answer === 'yes'
        ? 'yes'
        : rq1.answer === 'no' && rq2.answer === 'no'
          ? 'no'
          : 'partly';
  const rq3: StudyVerdict = {
    rq: 'RQ3',
    question: 'Do both hold together: L1 targets and indicator targets in the same study?',
    answer: both,
    evidence: `L1 targets: ${rq1.answer}; indicator targets: ${rq2.answer}.`,
    limits: 'As for RQ1 and RQ2; each target is trained separately, with its own network.',
  };
  return [rq1, rq2, rq3, constructionVerdict(classification), epsVerdict(measured, options.eps)];
}
