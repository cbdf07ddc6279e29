import assert from 'node:assert/strict';
import test from 'node:test';
import { deriveSeed, Rng } from '../../shared/random.js';

test('random - xoshiro128** core matches the reference outputs for state (1, 2, 3, 4)', () => {
  const rng = Rng.fromState(1, 2, 3, 4);
  const outputs = Array.from({ length: 5 }, () => rng.nextUint32());
  assert.deepEqual(outputs, [11520, 0, 5927040, 70819200, 2031721883]);
});

test('random - streams are pinned: a change here changes every stored result', () => {
  const rng = new Rng(42);
  assert.deepEqual(
    [rng.nextUint32(), rng.nextUint32(), rng.nextUint32()],
    [984609833, 2645727453, 2554677287],
  );
  assert.equal(deriveSeed(7, 'train-data'), 1334990700);
});

test('random - equal seeds give equal streams, different seeds different ones', () => {
  const draw = (seed: number) => {
    const rng = new Rng(seed);
    return Array.from({ length: 8 }, () => rng.next());
  };
  assert.deepEqual(draw(5), draw(5));
  assert.notDeepEqual(draw(5), draw(6));
  assert.notDeepEqual(draw(5), draw(5 + 2 ** 32));
  assert.notDeepEqual(draw(0.5), draw(0));
});

test('random - next() is uniform on [0, 1)', () => {
  const rng = new Rng(1);
  const n = 200_000;
  const bins = new Array<number>(20).fill(0);
  let sum = 0;
  let sumSquares = 0;
  for (let i = 0; i < n; i++) {
    const u = rng.next();
    assert.ok(u >= 0 && u < 1);
    sum += u;
    sumSquares += u * u;
    const bin = Math.floor(u * 20);
    bins[bin] = (bins[bin] ?? 0) + 1;
  }
  assert.ok(Math.abs(sum / n - 0.5) < 0.003, `mean ${sum / n}`);
  assert.ok(Math.abs(sumSquares / n - (sum / n) ** 2 - 1 / 12) < 0.002);
  const expected = n / 20;
  const chiSquare = bins.reduce((acc, count) => acc + (count - expected) ** 2 / expected, 0);
  // 19 degrees of freedom: the 0.999 quantile is 43.8.
  assert.ok(chiSquare < 43.8, `chi-square ${chiSquare}`);
});

test('random - nextUint32() covers all 32 bits evenly', () => {
  const rng = new Rng(3);
  const ones = new Array<number>(32).fill(0);
  const n = 20_000;
  for (let i = 0; i < n; i++) {
    const word = rng.nextUint32();
    assert.ok(Number.isInteger(word) && word >= 0 && word < 2 ** 32);
    for (let b = 0; b < 32; b++) if ((word >>> b) & 1) ones[b] = (ones[b] ?? 0) + 1;
  }
  for (const count of ones)
    assert.ok(Math.abs(count / n - 0.5) < 0.02, `bit frequency ${count / n}`);
});

test('random - normal() has mean 0, variance 1 and normal tails', () => {
  const rng = new Rng(2);
  const n = 200_000;
  let sum = 0;
  let sumSquares = 0;
  let withinOne = 0;
  let beyondTwo = 0;
  for (let i = 0; i < n; i++) {
    const z = rng.normal();
    sum += z;
    sumSquares += z * z;
    if (Math.abs(z) < 1) withinOne += 1;
    if (Math.abs(z) > 2) beyondTwo += 1;
  }
  assert.ok(Math.abs(sum / n) < 0.01, `mean ${sum / n}`);
  assert.ok(Math.abs(sumSquares / n - 1) < 0.015, `variance ${sumSquares / n}`);
  assert.ok(Math.abs(withinOne / n - 0.6827) < 0.005, `P(|z| < 1) = ${withinOne / n}`);
  assert.ok(Math.abs(beyondTwo / n - 0.0455) < 0.003, `P(|z| > 2) = ${beyondTwo / n}`);
});

test('random - nearby seeds give uncorrelated streams', () => {
  const a = new Rng(0);
  const b = new Rng(1);
  const n = 50_000;
  let cross = 0;
  for (let i = 0; i < n; i++) cross += (a.next() - 0.5) * (b.next() - 0.5);
  const correlation = cross / n / (1 / 12);
  assert.ok(Math.abs(correlation) < 0.02, `correlation ${correlation}`);
});

test('random - deriveSeed separates parts, their order and their types', () => {
  const seeds = [
    deriveSeed(1, 'train-data'),
    deriveSeed(1, 'eval', 0),
    deriveSeed(1, 'eval', 1),
    deriveSeed(2, 'train-data'),
    deriveSeed('train-data', 1),
    deriveSeed('ab'),
    deriveSeed('a', 'b'),
    deriveSeed(1),
    deriveSeed('1'),
    deriveSeed(),
  ];
  assert.equal(new Set(seeds).size, seeds.length);
  for (const seed of seeds) assert.ok(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32);
  assert.equal(deriveSeed(1, 'eval', 3), deriveSeed(1, 'eval', 3));
  assert.equal(deriveSeed(-0), deriveSeed(0));
});

test('random - derived seeds spread over all 32 bits', () => {
  const ones = new Array<number>(32).fill(0);
  const n = 4096;
  for (let i = 0; i < n; i++) {
    const seed = deriveSeed(i, 'eval');
    for (let b = 0; b < 32; b++) if ((seed >>> b) & 1) ones[b] = (ones[b] ?? 0) + 1;
  }
  for (const count of ones)
    assert.ok(Math.abs(count / n - 0.5) < 0.05, `bit frequency ${count / n}`);
});
