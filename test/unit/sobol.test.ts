import assert from 'node:assert/strict';
import test from 'node:test';
import { SOBOL_MAX_DIM, SobolSequence, sobolPoints } from '../../shared/sobol.js';

test('sobol - first points of dimension 1 are the van der Corput sequence in Gray-code order', () => {
  assert.deepEqual(
    Array.from(sobolPoints(8, 1, null)),
    [0, 0.5, 0.75, 0.25, 0.375, 0.875, 0.625, 0.125],
  );
});

test('sobol - unscrambled points match scipy.stats.qmc.Sobol (Joe-Kuo 6.21201)', () => {
  assert.ok(SOBOL_MAX_DIM >= 65, 'the singular importance sampler needs MAX_DIM + 1 = 65');
  const dims = 101;
  const points = sobolPoints(1024, dims, null);
  const row = (index: number, from: number, to: number) =>
    Array.from(points.subarray(index * dims + from, index * dims + to), (v) => v * 1024);
  assert.deepEqual(row(2, 0, 6), [768, 256, 256, 256, 768, 768]);
  // Reference values: scipy 1.17 Sobol(101, scramble=False).random(1024), times 1024.
  assert.deepEqual(row(777, 0, 5), [709, 959, 167, 281, 651]);
  assert.deepEqual(row(1000, 60, 65), [457, 617, 265, 457, 133]);
  assert.deepEqual(row(1023, 96, 101), [535, 943, 995, 543, 243]);
});

/** Asserts that in every dimension the n points fall one in each of n equal intervals. */
function assertStratified(points: Float64Array, n: number, dims: number): void {
  for (let j = 0; j < dims; j++) {
    const seen = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const value = points[i * dims + j] ?? -1;
      assert.ok(value >= 0 && value < 1, `value ${value} outside [0, 1)`);
      const cell = Math.floor(value * n);
      assert.equal(seen[cell], 0, `dimension ${j + 1}: two points in cell ${cell}`);
      seen[cell] = 1;
    }
  }
}

test('sobol - every dimension of 2^k points is stratified in 2^k intervals, scrambled too', () => {
  const n = 512;
  const dims = 65;
  assertStratified(sobolPoints(n, dims, null), n, dims);
  assertStratified(sobolPoints(n, dims, 11), n, dims);
  assertStratified(sobolPoints(n, dims, 12), n, dims);
});

test('sobol - the first two dimensions form a (0, m, 2)-net, scrambled too', () => {
  const m = 8;
  const n = 2 ** m;
  for (const seed of [null, 3]) {
    const points = sobolPoints(n, 2, seed);
    for (let a = 0; a <= m; a++) {
      // Elementary boxes of 2^-a by 2^-(m-a): each must hold exactly one point.
      const counts = new Uint16Array(n);
      for (let i = 0; i < n; i++) {
        const cx = Math.floor((points[2 * i] ?? 0) * 2 ** a);
        const cy = Math.floor((points[2 * i + 1] ?? 0) * 2 ** (m - a));
        const box = cx * 2 ** (m - a) + cy;
        counts[box] = (counts[box] ?? 0) + 1;
      }
      assert.ok(
        counts.every((c) => c === 1),
        `seed ${seed}: boxes ${a}/${m - a} not all singly occupied`,
      );
    }
  }
});

test('sobol - scrambling is deterministic per seed and independent across seeds', () => {
  const a = sobolPoints(64, 3, 21);
  assert.deepEqual(a, sobolPoints(64, 3, 21));
  const b = sobolPoints(64, 3, 22);
  let differ = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) differ += 1;
  assert.equal(differ, a.length);
  assert.notEqual(a[0], 0, 'a scrambled first point is randomly shifted away from the origin');
});

test('sobol - chunked generation continues the same sequence', () => {
  const whole = sobolPoints(300, 4, 5);
  const sequence = new SobolSequence(4, 5);
  const parts = new Float64Array(300 * 4);
  const chunk = new Float64Array(128 * 4);
  for (let done = 0; done < 300; done += 128) {
    const count = Math.min(128, 300 - done);
    sequence.fill(chunk, count);
    parts.set(chunk.subarray(0, count * 4), done * 4);
  }
  assert.equal(sequence.position, 300);
  assert.deepEqual(parts, whole);
});

test('sobol - scrambled replicates are unbiased with far less spread than Monte Carlo', () => {
  // f = x1 x2 x3 has integral 1/8 and Monte Carlo variance 1/27 - 1/64.
  const n = 256;
  const replicates = 24;
  const means: number[] = [];
  for (let r = 0; r < replicates; r++) {
    const points = sobolPoints(n, 3, 1000 + r);
    let sum = 0;
    for (let i = 0; i < n; i++) {
      sum += (points[3 * i] ?? 0) * (points[3 * i + 1] ?? 0) * (points[3 * i + 2] ?? 0);
    }
    means.push(sum / n);
  }
  const mean = means.reduce((a, b) => a + b, 0) / replicates;
  const sd = Math.sqrt(means.reduce((a, b) => a + (b - mean) ** 2, 0) / (replicates - 1));
  const monteCarloSd = Math.sqrt((1 / 27 - 1 / 64) / n);
  assert.ok(sd > 0, 'replicates must differ');
  assert.ok(sd < 0.1 * monteCarloSd, `RQMC sd ${sd} vs Monte Carlo ${monteCarloSd}`);
  assert.ok(Math.abs(mean - 1 / 8) < (5 * sd) / Math.sqrt(replicates), `mean ${mean}`);
});

test('sobol - dimensions outside the table are refused', () => {
  assert.throws(() => sobolPoints(4, 0, null), RangeError);
  assert.throws(() => sobolPoints(4, SOBOL_MAX_DIM + 1, null), RangeError);
  assert.throws(() => new SobolSequence(2, null).fill(new Float64Array(2), 2), RangeError);
});
