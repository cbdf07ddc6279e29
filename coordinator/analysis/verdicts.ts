import type { Answer, GroupAnalysis, StudyVerdict } from './types.js';
import type { EpsRefusal, EpsWidth } from './eps-width.js';
import type { ResolvedAnalysisOptions } from './options.js';
import { targetFacts } from './target-facts.js';

/** A group as the verdicts read it (everything but its own verdict). */
export type Group = Omit<GroupAnalysis, 'verdict' | 'warnings'>;

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

export function rate(g: Group): string {
  const ci = g.slopeCi === null ? '' : ` (95% CI ${fmt(g.slopeCi[0])} to ${fmt(g.slopeCi[1])})`;
  return `m^${fmt(g.slope)}${ci}`;
}

export function span(g: Group): string {
  return g.fitWidths === null ? '' : `widths ${g.fitWidths[0]}-${g.fitWidths[1]}`;
}

export function lastMedian(g: Group): number | null {
  const done = g.points.filter((p) => p.medianL1 !== null);
  return done[done.length - 1]?.medianL1 ?? null;
}

/** Decreasing with an interval that excludes zero: the evidence RQ1/RQ2 count as "falls". */
function fallsSignificantly(g: Group): boolean {
  return (
    (g.shape === 'falling' || g.shape === 'saturating') && g.slopeCi !== null && g.slopeCi[1] < 0
  );
}

export function widthFree(g: Group): boolean {
  return targetFacts(g.target, g.dim, g.targetParams).widthFree !== null;
}

/**
 * Whether the fitted slope is a width exponent at all: not without a rate (fewer than
 * minRateWidths falling widths), not for flat curves, not for targets that a fixed small width
 * represents to any precision (their error tracks weight size), and not where the decomposition
 * over the fit range names something other than the width as the limit (samples, optimizer,
 * evaluation floor) or cannot name it.
 */
export function rateIsMeaningful(g: Group): boolean {
  return (
    (g.shape === 'falling' || g.shape === 'saturating') &&
    g.slope !== null &&
    !widthFree(g) &&
    g.fitLimit?.factor === 'width'
  );
}

/** Why no extrapolation, in words (the rules are eps-width.ts's). */
const REFUSAL_WORDS: Record<EpsRefusal, string> = {
  'no data': 'no data',
  'width-free':
    'no eps-width: the error of this target does not depend on the width (see the theory)',
  'too few widths': 'not reached; too few falling widths for a rate to extrapolate',
  flat: 'not reached; the curve is flat, so width alone will not do at this recipe',
  saturated: 'not reached; the curve stopped falling, so width alone will not do at this recipe',
  samples:
    'not reached; not extrapolated: the training samples limit the curve (more samples would lift it)',
  optimizer:
    'not reached; not extrapolated: the optimizer limits the curve (another optimizer would lift it)',
  'evaluation floor': 'not reached; not extrapolated: the error is at the evaluation floor',
  undetermined:
    'not reached; not extrapolated: without training-set errors and references the limit cannot be attributed to the width',
  'range-dependent':
    'not reached; not extrapolated: the slope depends on the fit range, so the curve is no single power law to extend',
  'too far':
    'not reached; not extrapolated: the fitted law would need more than the extrapolation limit (maxExtrapolation x the widest width measured)',
};

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
    case 'refused':
      return `${eps}: ${REFUSAL_WORDS[e.refusal ?? 'too few widths']}`;
  }
}

/** `limit samples from width 64`, as the curve's decomposition names it. */
export function limitPhrase(g: Pick<Group, 'limit' | 'points'>): string {
  const { factor, fromWidth } = g.limit;
  const firstWidth = g.points.find((p) => p.n > 0)?.width;
  const from = fromWidth !== null && fromWidth !== firstWidth ? ` from width ${fromWidth}` : '';
  return `limit: ${factor}${from}`;
}

function summaryLine(g: Group): string {
  if (g.limit.factor === 'no data') return `${g.label}: no data`;
  const limit = limitPhrase(g);
  switch (g.shape) {
    case 'falling':
      return g.slope === null
        ? `${g.label}: falls, no rate (${limit})`
        : `${g.label}: ${rate(g)} over ${span(g)}, ${fmt(lastMedian(g))} at the largest width (${limit})`;
    case 'saturating':
      return g.slope === null
        ? `${g.label}: flat from width ${g.saturationWidth}, too few widths before it for a rate (${limit})`
        : `${g.label}: ${rate(g)} over ${span(g)}, flat from width ${g.saturationWidth} (${limit})`;
    case 'flat':
      return `${g.label}: flat near ${fmt(lastMedian(g))} (${limit})`;
    case 'too-few-points':
      return `${g.label}: too few widths with results for a rate (${limit})`;
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

/** The RQ1/RQ2 buckets a curve falls into: what it can and cannot say about width. */
type Bucket = 'no data' | 'width-free' | 'falls' | 'untested' | 'limited' | 'short' | 'stuck';

function bucket(g: Group): Bucket {
  if (g.limit.factor === 'no data') return 'no data';
  if (widthFree(g)) return 'width-free';
  const falls = g.shape === 'falling' || g.shape === 'saturating';
  if (falls && g.slope === null) return 'short';
  if (g.shape === 'too-few-points') return 'short';
  // The rate's own widths decide for a falling curve; the upper widths for a flat one.
  const limit = (falls ? g.fitLimit : g.limit)?.factor ?? 'undetermined';
  if (limit !== 'width') return 'limited';
  if (fallsSignificantly(g)) return 'falls';
  if (falls && g.slopeCi === null && (g.slope ?? 0) < 0) return 'untested';
  return 'stuck';
}

const BUCKET_WORDS: Record<Bucket, string> = {
  falls: 'Falls with width, and the decomposition names the width as the limit over the fit',
  'width-free':
    'Not width-limited in theory (a fixed small width represents them; the error tracks weight size or logit scale), so no rate is claimed',
  untested: 'Falls, but with one seed per width there is no interval',
  limited:
    'Limited by something other than the width (a curve limited by samples or the optimizer says nothing about width), so no rate is claimed',
  short: 'Too few falling widths for a rate',
  stuck: 'No significant fall although the decomposition names the width as the limit',
  'no data': 'No data (no task done)',
};

/** RQ1 and RQ2: does the error fall with width, for one family of curves. */
function fallsVerdict(
  rq: 'RQ1' | 'RQ2',
  question: string,
  groups: readonly Group[],
  extraLimits: string,
): StudyVerdict {
  const by = (b: Bucket) => groups.filter((g) => bucket(g) === b);
  if (groups.length === 0 || by('no data').length === groups.length) {
    const evidence = groups.length === 0 ? 'No such targets in this study.' : 'No task is done.';
    return { rq, question, answer: 'no data', evidence, limits: '' };
  }
  const falls = by('falls').length;
  const open = by('untested').length + by('limited').length + by('short').length;
  const answer: Answer =
    falls > 0 && open === 0 && by('stuck').length === 0
      ? 'yes'
      : falls > 0
        ? 'partly'
        : by('stuck').length > 0
          ? 'no'
          : 'inconclusive';
  const order: Bucket[] = [
    'falls',
    'width-free',
    'untested',
    'limited',
    'short',
    'stuck',
    'no data',
  ];
  const evidence = order
    .filter((b) => by(b).length > 0)
    .map((b) => `${BUCKET_WORDS[b]}: ${by(b).map(summaryLine).join('; ')}.`)
    .join(' ');
  const saturating = groups.filter((g) => g.shape === 'saturating').map((g) => g.label);
  const limits = [
    `Finite evidence: ${seedsPhrase(groups)}, one training recipe. A fall over measured widths supports, but cannot prove, convergence to zero.`,
    saturating.length > 0
      ? `Saturation (${saturating.join(', ')}) is a limit of this recipe, named per curve by the error decomposition.`
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
  const buckets = construction.map(bucket);
  const falling = buckets.filter((b) => b === 'falls').length;
  const stuck = buckets.filter((b) => b === 'stuck').length;
  const answer: Answer = buckets.every((b) => b === 'no data')
    ? 'no data'
    : falling === construction.length
      ? 'yes'
      : falling > 0
        ? 'partly'
        : stuck > 0
          ? 'no'
          : 'inconclusive';
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
  // A level not reached says "no" only where the width limits the curve; elsewhere the data
  // cannot tell whether more width would reach it.
  let widthSaysNo = 0;
  const lines = eps.map((value, i) => {
    const entries = groups.map((g) => {
      const e = g.eps[i];
      total += 1;
      if (e !== undefined && (e.how === 'interpolated' || e.how === 'at-smallest')) reached += 1;
      else if (e?.refusal === 'flat' || e?.refusal === 'saturated') {
        if (g.limit.factor === 'width') widthSaysNo += 1;
      } else if (e?.how === 'extrapolated') widthSaysNo += 1;
      return e === undefined
        ? `${g.label}: n/a`
        : `${g.label} ${describeEps(e).replace(/^[^:]*: /, '')}`;
    });
    return `eps ${fmt(value)}: ${entries.join('; ')}`;
  });
  const answer: Answer =
    reached === total ? 'yes' : reached > 0 ? 'partly' : widthSaysNo > 0 ? 'no' : 'inconclusive';
  return {
    rq: 'RQ5',
    question,
    answer,
    evidence: `${lines.join('. ')}.`,
    limits:
      'Widths are interpolated in log-log between measured widths; extrapolations assume the fitted power law continues, which saturating curves show it need not, and are given only for falling curves with a rate whose limit is the width (not samples, the optimizer or the evaluation floor).',
  };
}

/** Whether any width of the curve has a result. */
function hasData(g: Group): boolean {
  return g.points.some((p) => p.n > 0);
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
