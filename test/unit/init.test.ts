import assert from 'node:assert/strict';
import test from 'node:test';
import { initNetwork } from '../../shared/init.js';

function variance(values: Float32Array): number {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
}

test('init - kinks -b_j / w_j of a 1-D network lie inside [0, 1] and spread over it', () => {
  const net = initNetwork(1, 2000, 1, 'linear', 7);
  const kinks: number[] = [];
  for (let j = 0; j < net.width; j++) {
    const w = net.w1[j] ?? 0;
    assert.notEqual(w, 0);
    const kink = -(net.b1[j] ?? 0) / w;
    assert.ok(kink > -1e-6 && kink < 1 + 1e-6, `unit ${j}: kink at ${kink}`);
    kinks.push(kink);
  }
  // Uniform kinks: about a quarter in each quarter of the interval.
  for (let q = 0; q < 4; q++) {
    const share = kinks.filter((k) => k >= q / 4 && k < (q + 1) / 4).length / kinks.length;
    assert.ok(Math.abs(share - 0.25) < 0.04, `quarter ${q}: ${share}`);
  }
});

test('init - every hidden unit changes sign inside the cube in higher dimensions', () => {
  const dim = 5;
  const net = initNetwork(dim, 300, 3, 'softmax', 2);
  for (let j = 0; j < net.width; j++) {
    // Over the cube, w.x + b ranges between the sums of its negative and positive weights.
    let low = net.b1[j] ?? 0;
    let high = low;
    for (let i = 0; i < dim; i++) {
      const w = net.w1[j * dim + i] ?? 0;
      if (w < 0) low += w;
      else high += w;
    }
    assert.ok(low <= 1e-6 && high >= -1e-6, `unit ${j} never changes sign: [${low}, ${high}]`);
  }
});

test('init - He-scaled hidden weights, N(0, 1/m) output weights, zero output biases', () => {
  const dim = 4;
  const width = 4000;
  const net = initNetwork(dim, width, 2, 'softmax', 11);
  assert.equal(net.w1.length, dim * width);
  assert.equal(net.w2.length, 2 * width);
  assert.equal(net.output, 'softmax');
  const hidden = variance(net.w1);
  assert.ok(Math.abs(hidden / (2 / dim) - 1) < 0.05, `hidden variance ${hidden}`);
  const out = variance(net.w2);
  assert.ok(Math.abs(out * width - 1) < 0.07, `output variance x m = ${out * width}`);
  assert.deepEqual(Array.from(net.b2), [0, 0]);
});

test('init - deterministic given the seed', () => {
  const a = initNetwork(3, 16, 1, 'linear', 5);
  assert.deepEqual(a, initNetwork(3, 16, 1, 'linear', 5));
  const b = initNetwork(3, 16, 1, 'linear', 6);
  assert.notDeepEqual(a.w1, b.w1);
  assert.notDeepEqual(a.b1, b.b1);
  assert.notDeepEqual(a.w2, b.w2);
});

test('init - shapes must be positive integers', () => {
  assert.throws(() => initNetwork(0, 4, 1, 'linear', 1), RangeError);
  assert.throws(() => initNetwork(1, 2.5, 1, 'linear', 1), RangeError);
});
