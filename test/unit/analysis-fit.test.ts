import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bootstrapSlopeInterval } from '../../coordinator/analysis/bootstrap.js';
import type { WidthSample } from '../../coordinator/analysis/bootstrap.js';
import { fitLogLog, median, quantile } from '../../shared/stats.js';
import { deriveSeed, Rng } from '../../shared/random.js';

const WIDTHS = [4, 8, 16, 32, 64, 128, 256, 512];

/** error = 3 m^-1.5 times lognormal noise of log-spread sigma, per (width, seed). */
function synthetic(seeds: number, sigma: number, stream: number): WidthSample[] {
  const rng = new Rng(deriveSeed('synthetic-curve', stream));
  return WIDTHS.map((width) => ({
    width,
    values: Array.from({ length: seeds }, () => 3 * width ** -1.5 * Math.exp(sigma * rng.normal())),
  }));
}

test('analysis stats - quantiles interpolate between order statistics (type 7)', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(quantile([1, 2, 3, 4, 5], 0.25), 2);
  assert.equal(quantile([10, 20], 0.75), 17.5);
  assert.ok(Number.isNaN(median([])));
});

test('analysis fit - an exact power law gives its exponent and constant', () => {
  const fit = fitLogLog(
    WIDTHS,
    WIDTHS.map((w) => 3 * w ** -1.5),
  );
  assert.ok(Math.abs(fit.slope + 1.5) < 1e-12, String(fit.slope));
  assert.ok(Math.abs(Math.exp(fit.intercept) - 3) < 1e-9);
  assert.ok(Number.isNaN(fitLogLog([8], [0.1]).slope), 'one width determines no slope');
});

test('analysis fit - the bootstrap interval of a noisy 3 m^-1.5 curve contains -1.5', () => {
  const samples = synthetic(5, 0.2, 1);
  const fit = fitLogLog(
    samples.map((s) => s.width),
    samples.map((s) => median(s.values)),
  );
  const ci = bootstrapSlopeInterval(samples);
  assert.ok(ci !== null);
  assert.ok(ci[0] <= -1.5 && -1.5 <= ci[1], `[${ci[0]}, ${ci[1]}]`);
  assert.ok(ci[0] <= fit.slope && fit.slope <= ci[1], 'the estimate lies in its interval');
  assert.ok(ci[1] - ci[0] < 0.4, `interval too wide to mean anything: ${ci[1] - ci[0]}`);
});

test('analysis fit - the interval covers the true exponent in most of 100 synthetic studies', () => {
  let covered = 0;
  for (let stream = 0; stream < 100; stream++) {
    const ci = bootstrapSlopeInterval(synthetic(3, 0.3, 1000 + stream), {
      resamples: 500,
      seed: stream,
    });
    if (ci !== null && ci[0] <= -1.5 && -1.5 <= ci[1]) covered++;
  }
  // A 95% interval; percentile intervals of medians of 3 seeds are, if anything, conservative.
  assert.ok(covered >= 88, `covered ${covered}/100`);
});

test('analysis fit - the bootstrap is reproducible and needs two widths', () => {
  const samples = synthetic(3, 0.2, 7);
  assert.deepEqual(bootstrapSlopeInterval(samples), bootstrapSlopeInterval(samples));
  assert.equal(bootstrapSlopeInterval(samples.slice(0, 1)), null);
});
