import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseEpsList } from '../../cli/analyze-command.js';
import { classifyCurve } from '../../coordinator/analysis/curve-shape.js';
import type { CurveShape } from '../../coordinator/analysis/curve-shape.js';
import { epsWidth } from '../../coordinator/analysis/eps-width.js';
import type { EpsCurve } from '../../coordinator/analysis/eps-width.js';
import { resolveAnalysisOptions } from '../../coordinator/analysis/options.js';
import { fitLogLog } from '../../shared/stats.js';
import type { LineFit } from '../../shared/stats.js';
import { ValidationError } from '../../shared/errors.js';

const WIDTHS = [4, 8, 16, 32, 64, 128, 256, 512, 1024];
/** A curve the eps rules may extrapolate: falling, width-limited, a rate. */
const curve = (fit: LineFit | null, shape: CurveShape = 'falling'): EpsCurve => ({
  shape,
  fit,
  limit: 'width',
  widthFree: false,
  rangeDependent: false,
  maxExtrapolation: 16,
});
const law = (w: number) => 3 * w ** -1.5;

test('analysis saturation - a curve that flattens at 1e-3 saturates at the first flat width', () => {
  const medians = WIDTHS.map((w) => Math.max(law(w), 1e-3));
  const result = classifyCurve(WIDTHS, medians, 0.1);
  assert.equal(result.shape, 'saturating');
  // 3 m^-1.5 reaches 1e-3 at m ~ 208: 256 is the first width of the flat tail.
  assert.equal(WIDTHS[result.saturationIndex ?? -1], 256);
  assert.deepEqual(result.fitRange, [0, 6]);
});

test('analysis saturation - a curve still falling at its largest width is not saturated', () => {
  const result = classifyCurve(WIDTHS, WIDTHS.map(law), 0.1);
  assert.equal(result.shape, 'falling');
  assert.equal(result.saturationIndex, null);
  assert.deepEqual(result.fitRange, [0, WIDTHS.length - 1]);
});

test('analysis saturation - one noisy point does not hide a later fall', () => {
  const medians = WIDTHS.map(law);
  medians[4] = (medians[3] ?? 0) * 1.05; // 64 no better than 32
  assert.equal(classifyCurve(WIDTHS, medians, 0.1).shape, 'falling');
});

test('analysis saturation - a curve that never falls is flat, and so is one that barely does', () => {
  const flat = WIDTHS.map((_, i) => 0.02 * (1 + 0.03 * Math.sin(i * 2.1)));
  assert.equal(classifyCurve(WIDTHS, flat, 0.1).shape, 'flat');
  const slow = WIDTHS.map((w) => 0.05 * w ** -0.05);
  assert.equal(classifyCurve(WIDTHS, slow, 0.1).shape, 'flat');
  assert.equal(classifyCurve([4], [0.1], 0.1).shape, 'too-few-points');
});

test('analysis eps-width - interpolates in log-log between the widths that bracket eps', () => {
  const widths = [4, 8, 16, 32, 64];
  const medians = widths.map(law);
  const fit = fitLogLog(widths, medians);
  const e = epsWidth(widths, medians, 1e-2, curve(fit));
  assert.equal(e.how, 'interpolated');
  // Exact on a power law: 3 m^-1.5 = 1e-2 at m = 300^(2/3).
  assert.ok(Math.abs((e.width ?? 0) - 300 ** (2 / 3)) < 1e-9, String(e.width));
});

test('analysis eps-width - interpolation between two measured widths uses only them', () => {
  const e = epsWidth([10, 100], [0.1, 0.001], 0.01, curve(null));
  assert.ok(Math.abs((e.width ?? 0) - 10 ** 1.5) < 1e-9, String(e.width));
});

test('analysis eps-width - unreached levels extrapolate a falling fit, never a saturated one', () => {
  const widths = [4, 8, 16, 32, 64];
  const medians = widths.map(law);
  const fit = fitLogLog(widths, medians);
  const far = epsWidth(widths, medians, 1e-4, curve(fit));
  assert.equal(far.how, 'extrapolated');
  assert.equal(far.width, null);
  assert.ok(Math.abs((far.extrapolated ?? 0) / 30000 ** (2 / 3) - 1) < 1e-9);
  const stuck = epsWidth(widths, medians, 1e-4, curve(fit, 'saturating'));
  assert.deepEqual(stuck, {
    eps: 1e-4,
    how: 'not-reached',
    width: null,
    extrapolated: null,
    refusal: 'saturated',
  });
  const easy = epsWidth(widths, medians, 0.5, curve(fit));
  assert.deepEqual(easy, {
    eps: 0.5,
    how: 'at-smallest',
    width: 4,
    extrapolated: null,
    refusal: null,
  });
});

test('analysis options - defaults, and each bad value named by its option path', () => {
  const resolved = resolveAnalysisOptions();
  assert.deepEqual(resolved.eps, [1e-2, 1e-3]);
  assert.equal(resolved.level, 0.95);
  assert.throws(() => resolveAnalysisOptions({ eps: [0.01, 2] }), {
    name: 'ValidationError',
    message: 'eps[1]: expected a number in (0, 1), got 2',
  });
  assert.throws(() => resolveAnalysisOptions({ level: 1 }), ValidationError);
  assert.throws(
    () => resolveAnalysisOptions({ resamples: 10 }),
    /resamples: expected an integer >= 100/,
  );
  assert.throws(() => parseEpsList('1e-2, x'), {
    message: '--eps[1]: expected a number in (0, 1), got "x"',
  });
  assert.deepEqual(parseEpsList('0.1, 1e-3'), [0.1, 0.001]);
});
