import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SearchSpec } from '../../shared/spec/search.js';
import { curveShapeJudge } from '../../coordinator/search/curve-judge.js';
import { geometricLadder, midRung, searchLadder } from '../../coordinator/search/ladder.js';
import { decide, planCurve, probeMedian } from '../../coordinator/search/search-core.js';
import type { CurvePlan, WidthProbe } from '../../coordinator/search/search-core.js';

const search = (over: Partial<SearchSpec> = {}): SearchSpec => ({
  eps: [1e-3],
  minWidth: 4,
  maxWidth: 4096,
  resolution: 1.25,
  ladder: 4,
  confirm: 1,
  seeds: 3,
  maxSeeds: 9,
  maxTasks: 2000,
  ...over,
});

/** A deterministic noise in [-1, 1] per (width, seed): an integer hash, uncorrelated nearby. */
function noise(width: number, seed: number): number {
  let h = (Math.imul(width, 0x9e3779b1) ^ Math.imul(seed + 1, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x2c1b3c6d) >>> 0;
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39) >>> 0;
  h = (h ^ (h >>> 15)) >>> 0;
  return (h / 4294967296) * 2 - 1;
}

/** Runs the search core to the end against a synthetic curve; returns the probes and plan. */
function simulate(s: SearchSpec, error: (width: number, seed: number) => number | null) {
  const probes = new Map<number, WidthProbe>();
  const judge = curveShapeJudge();
  let rounds = 0;
  let tasks = 0;
  for (;;) {
    const plan: CurvePlan = planCurve(s, [...probes.values()], judge);
    if (plan.requests.length === 0) return { plan, probes, rounds, tasks };
    rounds++;
    assert.ok(rounds < 100, 'the search must end');
    for (const r of plan.requests) {
      const old = probes.get(r.width)?.seeds ?? [];
      for (const seed of r.seeds) assert.ok(!old.some((o) => o.seed === seed), 'trained twice');
      const added = r.seeds.map((seed) => ({
        seed,
        taskId: `${r.width}/${seed}`,
        value: error(r.width, seed),
      }));
      tasks += added.length;
      probes.set(r.width, { width: r.width, seeds: [...old, ...added] });
    }
  }
}

/** The rungs of the default 4-4096 ladder at resolution 1.25. */
const RUNGS = geometricLadder(4, 4096, 1.25);

/**
 * What a dense reference grid reports: the first rung whose median over the base seeds is at or
 * below eps (null when none is).
 */
function denseFirstCrossing(
  s: SearchSpec,
  eps: number,
  error: (width: number, seed: number) => number | null,
): number | null {
  const seeds = Array.from({ length: s.seeds }, (_, i) => i);
  for (const width of geometricLadder(s.minWidth, s.maxWidth, s.resolution)) {
    const probe: WidthProbe = {
      width,
      seeds: seeds.map((seed) => ({ seed, taskId: '', value: error(width, seed) })),
    };
    if (probeMedian(probe) <= eps) return width;
  }
  return null;
}

/** The rung just below a rung of RUNGS. */
const below = (width: number): number | undefined => RUNGS[RUNGS.indexOf(width) - 1];

test('search ladder - geometric rungs end at maxWidth and midpoints stay strictly inside', () => {
  assert.deepEqual(geometricLadder(4, 4096, 4), [4, 16, 64, 256, 1024, 4096]);
  assert.deepEqual(geometricLadder(4, 100, 4), [4, 16, 64, 100]);
  assert.equal(new Set(RUNGS).size, RUNGS.length);
  assert.equal(RUNGS.length, 33);
  assert.deepEqual(
    RUNGS.slice(0, 17),
    [4, 5, 6, 8, 10, 12, 15, 19, 24, 30, 37, 47, 58, 73, 91, 114, 142],
  );
  const ladder = searchLadder({ minWidth: 4, maxWidth: 4096, resolution: 1.25, ladder: 4 });
  assert.equal(ladder.stride, 6);
  assert.deepEqual(ladder.coarse, [4, 15, 58, 222, 847, 3231, 4096]);
  assert.ok(ladder.coarse.every((w) => RUNGS.includes(w)));
  assert.equal(midRung(ladder, 15, 58), 30);
  assert.equal(midRung(ladder, 30, 58), 37);
  assert.equal(midRung(ladder, 30, 37), undefined);
  // A resolution fine enough to round rungs together keeps each integer once.
  assert.deepEqual(geometricLadder(4, 8, 1.05), [4, 5, 6, 7, 8]);
});

test('search core - a monotone curve ends on the two rungs around the dense first crossing', () => {
  const error = (w: number): number => 1 / (w * w);
  const s = search();
  const { plan, probes, tasks } = simulate(s, error);
  const [b] = plan.brackets;
  assert.equal(b?.status, 'found');
  // 1/m^2 <= 1e-3 from m = 31.6: the first rung at or below is 37, the one before it 30.
  assert.equal(denseFirstCrossing(s, 1e-3, error), 37);
  assert.deepEqual({ lo: b?.lo, hi: b?.hi }, { lo: 30, hi: 37 });
  assert.ok(
    [...probes.keys()].every((w) => RUNGS.includes(w)),
    'probes are rungs',
  );
  assert.ok(tasks <= (RUNGS.length * 3) / 3, `${tasks} tasks`);
});

test('search core - two eps share the ladder, each ends at its dense first crossing, within a third of the grid', () => {
  const error = (w: number): number => 1 / (w * w);
  const s = search({ eps: [1e-3, 1e-4] });
  const { plan, tasks } = simulate(s, error);
  for (const b of plan.brackets) {
    assert.equal(b.status, 'found');
    const cross = denseFirstCrossing(s, b.eps, error);
    assert.equal(b.hi, cross, `${b.eps}: ${b.lo}..${b.hi}`);
    assert.equal(b.lo, below(cross ?? -1));
  }
  assert.ok(tasks <= (RUNGS.length * 3) / 3, `${tasks} tasks for ${RUNGS.length * 3}`);
});

test('search core - a saturating curve that still crosses eps is bracketed at its first crossing', () => {
  // Falls like 1/m^2, then flattens towards 5e-4 (below eps 1e-3): slow, but it does cross.
  const error = (w: number): number => 5e-4 + 1 / (w * w);
  const s = search();
  const { plan } = simulate(s, error);
  const [b] = plan.brackets;
  assert.equal(b?.status, 'found');
  assert.equal(b?.hi, denseFirstCrossing(s, 1e-3, error));
  assert.equal(b?.lo, below(b?.hi ?? -1));
});

test('search core - noisy seeds near eps get more seeds, up to the cap, and the bracket follows the medians', () => {
  const s = search();
  const { plan, probes } = simulate(s, (w, seed) => Math.exp(noise(w, seed)) / (w * w));
  const [b] = plan.brackets;
  assert.equal(b?.status, 'found');
  const counts = [...probes.values()].map((p) => p.seeds.length);
  assert.ok(
    counts.some((n) => n > 3),
    'some width got extra seeds',
  );
  assert.ok(counts.every((n) => n <= 9));
  const hiProbe = probes.get(b?.hi ?? -1);
  const loProbe = probes.get(b?.lo ?? -1);
  assert.ok(hiProbe !== undefined && loProbe !== undefined);
  assert.equal(decide(hiProbe, 1e-3, 9), 'below');
  assert.equal(decide(loProbe, 1e-3, 9), 'above');
});

test('search core - a flat curve stops unreachable after three rungs, not at maxWidth', () => {
  const { plan, probes, tasks } = simulate(
    search(),
    (w, seed) => 0.05 * (1 + 0.01 * noise(w, seed)),
  );
  const [b] = plan.brackets;
  assert.equal(b?.status, 'unreachable');
  assert.match(b?.reason ?? '', /^flat/);
  assert.deepEqual(
    [...probes.keys()].sort((a, c) => a - c),
    [4, 15, 58],
  );
  assert.equal(tasks, 9);
});

test('search core - a curve saturating above eps stops unreachable with its saturation width', () => {
  const { plan, probes } = simulate(search(), (w) => Math.max(1 / w, 0.01));
  const [b] = plan.brackets;
  assert.equal(b?.status, 'unreachable');
  assert.match(b?.reason ?? '', /^saturated: flat from width/);
  assert.ok(Math.max(...probes.keys()) < 4096);
});

test('search core - a curve still falling at maxWidth stops unreachable there', () => {
  const { plan, probes } = simulate(search({ eps: [1e-4] }), (w) => 1 / w);
  assert.equal(plan.brackets[0]?.status, 'unreachable');
  assert.match(plan.brackets[0]?.reason ?? '', /at maxWidth 4096/);
  assert.ok(probes.has(4096));
});

test('search core - eps already reached at minWidth is found with no lower end', () => {
  const { plan, tasks } = simulate(search({ eps: [0.5] }), (w) => 1 / (w * w));
  assert.deepEqual(
    { status: plan.brackets[0]?.status, lo: plan.brackets[0]?.lo, hi: plan.brackets[0]?.hi },
    { status: 'found', lo: null, hi: 4 },
  );
  assert.equal(tasks, 6); // the first round's two rungs
});

test('search core - diverged seeds count as above eps; a width whose tasks all failed stops the search', () => {
  const diverging = simulate(search(), (w, seed) =>
    w < 20 && seed === 0 ? Infinity : 1 / (w * w),
  );
  assert.equal(diverging.plan.brackets[0]?.status, 'found');
  const failing = simulate(search(), (w) => (w === 58 ? null : 1 / (w * w)));
  assert.equal(failing.plan.brackets[0]?.status, 'unreachable');
  assert.match(failing.plan.brackets[0]?.reason ?? '', /every task at width 58 failed/);
});

test('search core - the plan is a function of the probes alone: any order, same next step', () => {
  const s = search({ eps: [1e-3, 1e-4] });
  const { probes } = simulate(s, (w) => 1 / (w * w));
  const list = [...probes.values()].slice(0, 4);
  const judge = curveShapeJudge();
  assert.deepEqual(planCurve(s, list, judge), planCurve(s, [...list].reverse(), judge));
});

test('search core - seeds straddling eps ask for more seeds at that width, then the median decides', () => {
  const probe = (width: number, values: number[]): WidthProbe => ({
    width,
    seeds: values.map((value, seed) => ({ seed, taskId: `${width}/${seed}`, value })),
  });
  assert.equal(decide(probe(32, [5e-4, 9e-4, 2e-3]), 1e-3, 9), 'more-seeds');
  // One seed far off does not make a close call: the quartiles, not the range, must straddle.
  assert.equal(decide(probe(32, [8e-4, 8.5e-4, 9e-4, 9.2e-4, 5e-3]), 1e-3, 9), 'below');
  const five = [5e-4, 9e-4, 2e-3, 1e-4, 3e-3];
  assert.equal(decide(probe(32, five), 1e-3, 5), 'below');
  assert.equal(decide(probe(32, [5e-4, 9e-4, 2e-3]), 1e-3, 3), 'below');
  const plan = planCurve(
    search(),
    [probe(16, [2e-3, 3e-3, 4e-3]), probe(32, [5e-4, 9e-4, 2e-3])],
    curveShapeJudge(),
  );
  assert.deepEqual(plan.requests, [{ width: 32, seeds: [3, 4] }]);
  assert.equal(plan.brackets[0]?.status, 'open');
  assert.match(plan.brackets[0]?.reason ?? '', /seeds straddle eps at 32/);
  const capped = planCurve(
    search({ maxSeeds: 3, resolution: 2 }),
    [probe(16, [2e-3, 3e-3, 4e-3]), probe(32, [5e-4, 9e-4, 2e-3])],
    curveShapeJudge(),
  );
  assert.equal(capped.brackets[0]?.status, 'found');
  assert.match(
    capped.brackets[0]?.reason ?? '',
    /close call at 32: its quartiles straddle eps after 3 seeds/,
  );
});

/** A probe from its seeds' values (seed i has values[i]). */
const probeOf = (width: number, values: number[]): WidthProbe => ({
  width,
  seeds: values.map((value, seed) => ({ seed, taskId: `${width}/${seed}`, value })),
});

test('search core - a rung below lo that ends at or below eps moves hi down to it', () => {
  // 24 needed more seeds and came out below eps; 30 and 37 above; 47 below.
  const probes = [
    probeOf(15, [4e-3, 4e-3, 4e-3]),
    probeOf(24, [9e-4, 1.2e-3, 8e-4, 9.5e-4, 1.1e-3]),
    probeOf(30, [2e-3, 2e-3, 2e-3]),
    probeOf(37, [1.5e-3, 1.5e-3, 1.5e-3]),
    probeOf(47, [5e-4, 5e-4, 5e-4]),
  ];
  const plan = planCurve(search({ maxSeeds: 5 }), probes, curveShapeJudge());
  assert.deepEqual(
    { lo: plan.brackets[0]?.lo, hi: plan.brackets[0]?.hi, status: plan.brackets[0]?.status },
    { lo: 15, hi: 24, status: 'open' },
  );
  assert.deepEqual(plan.requests, [{ width: 19, seeds: [0, 1, 2] }]);
});

test('search core - confirm: a dip at or below eps that bisection skipped is found one rung below lo', () => {
  // 1/m^2 first reaches 1e-3 at rung 37, but rung 24 dips to 5e-4: the dense first crossing is 24.
  const error = (w: number): number => (w === 24 ? 5e-4 : 1 / (w * w));
  const plain = simulate(search(), error);
  assert.equal(denseFirstCrossing(search(), 1e-3, error), 24);
  assert.deepEqual([plain.plan.brackets[0]?.lo, plain.plan.brackets[0]?.hi], [30, 37]);
  assert.ok(!plain.probes.has(24), 'bisection never trains 24');
  const checked = simulate(search({ confirm: 2 }), error);
  assert.deepEqual([checked.plan.brackets[0]?.lo, checked.plan.brackets[0]?.hi], [19, 24]);
  assert.equal(checked.plan.brackets[0]?.status, 'found');
  assert.ok(checked.tasks <= plain.tasks + 2 * 3, `${checked.tasks} vs ${plain.tasks} tasks`);
});

test('search core - noisy curves: with the base seeds only, every bracket holds the dense first crossing', () => {
  // Seed noise of up to +-35% (a factor e^0.3) on 1/m^2 at 100 offsets; two eps each.
  const s = search({ eps: [1e-3, 1e-4], maxSeeds: 3 });
  let worst = 0;
  for (let k = 0; k < 100; k++) {
    const scale = Math.exp(k / 50);
    const error = (w: number, seed: number): number =>
      (scale * Math.exp(0.3 * noise(w + 7919 * k, seed))) / (w * w);
    const { plan, tasks } = simulate(s, error);
    worst = Math.max(worst, tasks);
    for (const b of plan.brackets) {
      const cross = denseFirstCrossing(s, b.eps, error);
      assert.equal(b.status, 'found');
      assert.ok(
        b.lo === null ? b.hi === cross : b.lo < (cross ?? 0) && (cross ?? 0) <= (b.hi ?? 0),
        `offset ${k}, eps ${b.eps}: [${b.lo}, ${b.hi}] vs dense ${cross}`,
      );
    }
  }
  assert.ok(worst <= RUNGS.length, `at most a third of the 99-task grid: worst ${worst}`);
});
