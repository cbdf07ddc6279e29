import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeStudy } from '../../coordinator/analysis/analyze-study.js';
import { analysisOptionsFromFlags } from '../../cli/analyze-command.js';
import { curveLimit, pointLimit } from '../../coordinator/analysis/decomposition.js';
import type { TaskRecord } from '../../coordinator/analysis/load.js';
import { resolveAnalysisOptions } from '../../coordinator/analysis/options.js';
import { analysisJson, analysisText } from '../../coordinator/analysis/render.js';
import type { GroupAnalysis } from '../../coordinator/analysis/types.js';
import { rateIsMeaningful } from '../../coordinator/analysis/verdicts.js';
import { ValidationError } from '../../shared/errors.js';

const SEED_SPREAD = [0.9, 1, 1.1];

interface Curve {
  target?: string;
  dim?: number;
  widths: readonly number[];
  /** Evaluation L1 at a width (seed 1; the others spread by SEED_SPREAD). */
  l1: (w: number) => number | null;
  /** Training-set L1; default: equal to the evaluation error (no estimation gap). */
  train?: (w: number) => number | null;
  /** Best reference; default: the evaluation error (no optimisation gap). */
  ref?: (w: number) => number | null;
  stderr?: (w: number) => number;
  l2?: (w: number) => number | null;
  samples?: number;
}

/** One curve's tasks as the loader hands them over, three seeds per width. */
function tasksOf(c: Curve): TaskRecord[] {
  return c.widths.flatMap((width) =>
    SEED_SPREAD.map((f, seed) => {
      const l1 = c.l1(width);
      const train = c.train === undefined ? l1 : c.train(width);
      const ref = c.ref === undefined ? l1 : c.ref(width);
      const scale = (x: number | null) => (x === null ? null : x * f);
      return {
        taskId: `${c.target ?? 'sine'}-${width}-${seed}`,
        target: c.target ?? 'sine',
        targetParams: '{"k":1}',
        kind: 'regression' as const,
        mode: 'direct' as const,
        dim: c.dim ?? 2,
        width,
        seed,
        status: l1 === null ? 'pending' : 'done',
        l1: scale(l1),
        sharpenedL1: null,
        accuracy: null,
        rfL1: ref === null ? null : ref * 2,
        rfSharpenedL1: null,
        interpL1: null,
        interpSharpenedL1: null,
        l1Stderr: l1 === null ? null : (c.stderr?.(width) ?? l1 * 1e-3),
        l2: l1 === null ? null : c.l2 === undefined ? l1 * 1.3 : c.l2(width),
        trainL1: scale(train),
        trainL2: train === null ? null : train * 1.3,
        bestRefMethod: ref === null ? null : 'greedy',
        bestRefL1: ref,
        bestRefSharpenedL1: null,
        samples: c.samples ?? 1024,
        optimizer: 'lbfgs',
      };
    }),
  );
}

function analyse(...curves: Curve[]) {
  return analyzeStudy(
    { study: 's', spec: {}, tasks: curves.flatMap(tasksOf) },
    { eps: [1e-3, 1e-6], resamples: 500 },
  );
}

function only(...curves: Curve[]): GroupAnalysis {
  const [g] = analyse(...curves).groups;
  assert.ok(g !== undefined);
  return g;
}

const WIDTHS = [8, 16, 32, 64, 128, 256, 512];
const law = (w: number) => 2 * w ** -1;

test('analysis refusal - a falling, width-limited curve gets a rate and an extrapolated eps-width', () => {
  const g = only({ widths: WIDTHS, l1: law, ref: (w) => law(w) / 2 });
  assert.equal(g.shape, 'falling');
  assert.equal(g.limit.factor, 'width');
  assert.ok(rateIsMeaningful(g));
  const near = g.eps.find((e) => e.eps === 1e-3);
  assert.equal(near?.how, 'extrapolated');
  assert.ok(Math.abs((near?.extrapolated ?? 0) / 2000 - 1) < 1e-6);
  // 2 m^-1 reaches 1e-6 only at 2e6, more than 16 x the widest width (512): not extrapolated.
  const far = g.eps.find((e) => e.eps === 1e-6);
  assert.deepEqual([far?.how, far?.refusal, far?.extrapolated], ['not-reached', 'too far', null]);
  assert.match(g.verdict, /Limit: width\./);
});

test('analysis refusal - no rate from fewer than three falling widths', () => {
  const two = only({ widths: [16, 32], l1: law });
  assert.equal(two.shape, 'too-few-points');
  assert.equal(two.slope, null);
  assert.equal(two.eps.find((e) => e.eps === 1e-6)?.refusal, 'too few widths');
  assert.match(two.verdict, /no rate from fewer than 3/);
  // Falls from 16 to 32, then flat: the fall rests on two widths, so there is no rate.
  const short = only({ widths: [16, 32, 64, 128, 256], l1: (w) => (w <= 16 ? 0.1 : 0.02) });
  assert.equal(short.shape, 'saturating');
  assert.equal(short.slope, null);
  assert.equal(rateIsMeaningful(short), false);
  const json = analysisJson(
    analyse({ widths: [16, 32, 64, 128, 256], l1: (w) => (w <= 16 ? 0.1 : 0.02) }),
  );
  assert.equal((json.groups as Array<Record<string, unknown>>)[0]?.rate_meaningful, false);
});

test('analysis refusal - a sample-limited curve names samples, says what lifts it, no extrapolation', () => {
  // Training points fitted ever better while fresh points stop improving: estimation.
  const g = only({
    widths: WIDTHS,
    l1: (w) => 0.3 * w ** -0.5,
    train: (w) => (w <= 16 ? 0.3 * w ** -0.5 : 0.3 * w ** -0.5 * (16 / w) ** 1.5),
    ref: (w) => 0.15 * w ** -0.5,
    samples: 256,
  });
  assert.equal(g.limit.factor, 'samples');
  // (32/16)^1.5 = 2.8 > 2: samples from width 32 on.
  assert.equal(g.limit.fromWidth, 32);
  assert.equal(g.eps.find((e) => e.eps === 1e-6)?.how, 'not-reached');
  assert.equal(g.eps.find((e) => e.eps === 1e-6)?.refusal, 'samples');
  assert.equal(g.eps.find((e) => e.eps === 1e-6)?.extrapolated, null);
  assert.equal(rateIsMeaningful(g), false);
  assert.match(g.verdict, /Limit: samples from width 32\./);
  assert.match(g.verdict, /More training samples would lift it \(train\.samples 256/);
  assert.match(g.verdict, /not extrapolated: the training samples limit the curve/);
  // The estimation gap at width 512 is (512/16)^1.5 = 181.
  const last = g.points[g.points.length - 1];
  assert.ok(Math.abs((last?.estimationGap ?? 0) - 32 ** 1.5) < 1e-6);
});

test('analysis refusal - an optimiser-limited curve names the optimizer and is not extrapolated', () => {
  const g = only({ widths: WIDTHS, l1: (w) => 0.1 * w ** -0.3, ref: (w) => 0.1 * w ** -1.5 });
  assert.equal(g.limit.factor, 'optimizer');
  assert.equal(g.eps.find((e) => e.eps === 1e-6)?.refusal, 'optimizer');
  assert.match(g.verdict, /Another optimizer, more steps, restarts or train\.init: reference/);
  assert.match(g.verdict, /\(greedy\)/);
});

test('analysis refusal - samples take precedence over the optimizer, which is named beside them', () => {
  const options = resolveAnalysisOptions();
  const base = { width: 64, medianL1: 0.1, medianL1Stderr: 1e-4, medianBestRef: 0.001 };
  const both = pointLimit(
    { ...base, medianTrainL1: 0.02, estimationGap: 5, optimisationGap: 100 },
    'regression',
    options,
  );
  assert.deepEqual(both, { limit: 'samples', also: ['optimizer'] });
  const samplesOnly = pointLimit(
    { ...base, medianTrainL1: 0.002, estimationGap: 50, optimisationGap: 100 },
    'regression',
    options,
  );
  assert.deepEqual(samplesOnly, { limit: 'samples', also: [] });
  const unknown = pointLimit(
    { ...base, medianTrainL1: null, estimationGap: null, optimisationGap: 100 },
    'regression',
    options,
  );
  assert.equal(
    unknown.limit,
    'undetermined',
    'without training-set errors samples cannot be excluded',
  );
});

test('analysis refusal - errors within a few standard errors, or below 1e-6, are the evaluation floor', () => {
  const noisy = only({
    widths: WIDTHS,
    l1: (w) => (w < 64 ? law(w) : 1e-3),
    stderr: (w) => (w < 64 ? 1e-5 : 5e-4),
  });
  assert.equal(noisy.limit.factor, 'evaluation floor');
  assert.match(noisy.verdict, /More evaluation points \(eval\.samples\)/);
  const tiny = only({ widths: WIDTHS, l1: (w) => 1e-3 * w ** -3, stderr: () => 1e-12 });
  assert.equal(tiny.limit.factor, 'evaluation floor');
  assert.equal(tiny.eps.find((e) => e.eps === 1e-6)?.how, 'interpolated', 'measured widths stand');
});

test('analysis refusal - a curve with no done task says no data, never "no longer falls"', () => {
  const analysis = analyse({ widths: [8, 16, 32], l1: () => null });
  const g = analysis.groups[0];
  assert.equal(g?.limit.factor, 'no data');
  assert.deepEqual(
    g?.eps.map((e) => [e.how, e.refusal]),
    [
      ['refused', 'no data'],
      ['refused', 'no data'],
    ],
  );
  const text = analysisText(analysis);
  assert.doesNotMatch(text, /no longer falls/);
  assert.match(text, /sine \(d = 2, k=1\): no data/);
  assert.equal(analysis.verdicts.find((v) => v.rq === 'RQ1')?.answer, 'no data');
  assert.equal(analysis.verdicts.find((v) => v.rq === 'RQ5')?.answer, 'no data');
});

test('analysis refusal - a step target says a width exponent is meaningless and gets no eps-width', () => {
  const g = only({ target: 'step', widths: WIDTHS, l1: (w) => 0.05 * w ** -0.6 });
  assert.equal(rateIsMeaningful(g), false);
  assert.ok(
    g.eps.every((e) => e.how === 'refused' && e.refusal === 'width-free' && e.width === null),
  );
  assert.match(g.verdict, /a width exponent and an eps-width are meaningless here/);
  assert.equal(
    analyse({ target: 'step', widths: WIDTHS, l1: (w) => 0.05 * w ** -0.6 }).verdicts[0]?.answer,
    'inconclusive',
  );
});

test('analysis refusal - a slope whose halves disagree warns that it depends on the fit range', () => {
  // m^-2 up to 64, then m^-0.5: both halves are clean power laws with tight intervals.
  const bent = only({ widths: WIDTHS, l1: (w) => (w <= 64 ? w ** -2 : 64 ** -1.5 * w ** -0.5) });
  assert.equal(bent.rangeCheck?.overlap, false);
  assert.ok(
    bent.warnings.some((w) => /the slope depends on the fit range: widths 8-64 give m\^-2/.test(w)),
  );
  assert.equal(bent.eps.find((e) => e.eps === 1e-6)?.refusal, 'range-dependent');
  const straight = only({ widths: WIDTHS, l1: law });
  assert.equal(straight.rangeCheck?.overlap, true);
  assert.deepEqual(straight.warnings, []);
});

test('analysis verdicts - a curve limited by samples says nothing about width in RQ1', () => {
  const starved: Curve = {
    widths: WIDTHS,
    l1: (w) => 0.3 * w ** -0.5,
    train: (w) => 0.3 * w ** -1.5,
  };
  assert.equal(analyse(starved).verdicts[0]?.answer, 'inconclusive');
  const fine: Curve = { dim: 1, widths: WIDTHS, l1: law };
  assert.equal(analyse(fine).verdicts[0]?.answer, 'yes');
  const rq1 = analyse(fine, starved).verdicts[0];
  assert.equal(rq1?.answer, 'partly');
  assert.match(
    rq1?.evidence ?? '',
    /Limited by something other than the width.*sine \(d = 2, k=1\)/,
  );
});

test('analysis decomposition - a saturating curve keeps a width rate when samples limit only after it', () => {
  // Width-limited fall to 64, then the training sample limits: the rate is a width rate.
  const g = only({
    widths: WIDTHS,
    l1: (w) => Math.max(law(w), law(64)),
    train: (w) => (w <= 64 ? Math.max(law(w), law(64)) : law(w) / 4),
  });
  assert.equal(g.shape, 'saturating');
  assert.equal(g.limit.factor, 'samples');
  assert.equal(g.fitLimit?.factor, 'width');
  assert.ok(rateIsMeaningful(g));
  assert.match(g.verdict, /Over the fit range \(widths 8-64\) the limit is the width/);
});

test('analysis decomposition - null L2 (targets not in L2) leaves the L2 gap empty, not NaN', () => {
  const analysis = analyse({ target: 'singular', dim: 1, widths: WIDTHS, l1: law, l2: () => null });
  const json = analysisJson(analysis) as {
    groups: Array<{ points: Array<Record<string, unknown>> }>;
  };
  const point = json.groups[0]?.points[0];
  assert.equal(point?.median_l2, null);
  assert.equal(point?.estimation_gap_l2, null);
  assert.equal(point?.estimation_gap, 1);
  assert.equal(analysis.groups[0]?.limit.factor, 'width');
});

test('analysis decomposition - training sets fitted to float precision and exact references give finite gaps', () => {
  const g = only({ widths: WIDTHS, l1: () => 0.02, train: () => 1e-60 });
  // 0.02 / 1e-6 (the floor), not 2e58.
  assert.ok(Math.abs((g.points[0]?.estimationGap ?? 0) - 2e4) < 1e-6);
  assert.equal(g.limit.factor, 'samples');
  // An exact reference (a teacher from width k) leaves training optimiser-limited.
  const exact = only({ target: 'teacher', widths: WIDTHS, l1: () => 1e-3, ref: () => 0 });
  assert.ok(Math.abs((exact.points[0]?.optimisationGap ?? 0) - 1e3) < 1e-6);
  assert.equal(exact.limit.factor, 'optimizer');
});

test('analysis decomposition - the curve limit is the majority over the upper half of its widths', () => {
  const at = (limit: 'width' | 'samples', width: number) => ({
    width,
    n: 3,
    limit,
    alsoLimitedBy: [],
  });
  const limit = curveLimit([
    at('width', 8),
    at('width', 16),
    at('samples', 32),
    at('width', 64),
    at('samples', 128),
    at('samples', 256),
  ]);
  assert.equal(limit.factor, 'samples');
  assert.equal(limit.fromWidth, 128);
  assert.deepEqual(limit.tailWidths, [64, 128, 256]);
  // A tie goes to the factor that refuses the claim.
  assert.equal(curveLimit([at('width', 8), at('samples', 16)]).factor, 'samples');
  assert.equal(curveLimit([]).factor, 'no data');
});

test('analysis options - the decomposition thresholds are checked and named', () => {
  const resolved = resolveAnalysisOptions();
  assert.deepEqual(
    [
      resolved.minRateWidths,
      resolved.estimationGap,
      resolved.optimisationGap,
      resolved.floorStderrs,
      resolved.floorL1,
    ],
    [3, 2, 3, 3, 1e-6],
  );
  assert.throws(() => resolveAnalysisOptions({ estimationGap: 1 }), {
    name: 'ValidationError',
    message: 'estimationGap: expected a number > 1, got 1',
  });
  assert.throws(() => resolveAnalysisOptions({ minRateWidths: 1 }), ValidationError);
  assert.throws(() => resolveAnalysisOptions({ floorL1: 0 }), /floorL1/);
  // On the command line the error names the flag.
  assert.throws(() => analysisOptionsFromFlags([0.01], { estimationGap: '0.5' }), {
    name: 'ValidationError',
    message: '--estimation-gap: expected a number > 1, got 0.5',
  });
  assert.throws(() => analysisOptionsFromFlags([0.01], { minRateWidths: 'x' }), {
    message: '--min-rate-widths: expected an integer >= 2, got NaN',
  });
  assert.equal(analysisOptionsFromFlags([0.01], { optimisationGap: '10' }).optimisationGap, 10);
});
