/**
 * Width search against the dense reference grid (issue 13's acceptance; not a pass/fail test).
 * Runs the spec's search with the real CLI, then the dense grid on the same database: every rung
 * of the search's resolution ladder with the base seeds 0..seeds-1, a few rungs per run from
 * minWidth up, stopping at the first rung where every curve's median is at or below every eps
 * (wider rungs cannot change a first crossing; the last batch may overshoot it by up to
 * batch - 1 rungs). The search's probes are rungs of that grid, so
 * the grid reuses them instead of training them again. Prints JSON: per curve and eps the
 * bracket, the dense grid's first crossing, whether the bracket contains it, and the tasks each
 * used.
 *
 *   node dist/bench/search-vs-dense.js SPEC [--db FILE] [--threads N] [--batch RUNGS]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { loadStudySpecFile } from '../shared/spec/load.js';
import type { StudySpec } from '../shared/spec/study-spec.js';
import { searchLadder } from '../coordinator/search/ladder.js';
import { probeMedian } from '../coordinator/search/search-core.js';
import type { SeedResult, WidthProbe } from '../coordinator/search/search-core.js';
import { curveTasks, searchCurves } from '../coordinator/search/search-curves.js';
import type { SearchCurve } from '../coordinator/search/search-curves.js';
import { replaySearch, searchValue } from '../coordinator/search/search-replay.js';
import type { CurveSearch, ResultLookup } from '../coordinator/search/search-replay.js';
import { storedResultLookup } from '../coordinator/search/search-results.js';
import { openReadModel } from '../coordinator/store/sqlite-read-model.js';

const CLI = fileURLToPath(new URL('../../bin/widthsweep.js', import.meta.url));

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at < 0 ? fallback : (process.argv[at + 1] ?? fallback);
}

/** Runs `widthsweep run` on a spec file; returns its seconds and the tasks it trained. */
function runStudy(file: string, db: string, threads: string): { seconds: number; trained: number } {
  const started = performance.now();
  const out = spawnSync(
    process.execPath,
    [CLI, 'run', file, '--db', db, '--threads', threads, '--json'],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  if (out.status !== 0) throw new Error(`widthsweep run ${file} exited with ${out.status}`);
  const lines = out.stdout.trim().split('\n');
  const summary = JSON.parse(lines[lines.length - 1] ?? '{}') as { trained?: number };
  return { seconds: (performance.now() - started) / 1000, trained: summary.trained ?? 0 };
}

function withDb<T>(db: string, read: (lookup: ResultLookup) => T): T {
  const reads = openReadModel(db);
  try {
    return read(storedResultLookup(reads));
  } finally {
    reads.close();
  }
}

/** A rung of one curve with the given seeds' stored results (seeds without one left out). */
function probeAt(
  spec: StudySpec,
  curve: SearchCurve,
  width: number,
  seeds: readonly number[],
  lookup: ResultLookup,
): WidthProbe {
  const found: SeedResult[] = [];
  for (const task of curveTasks(spec, curve, width, seeds)) {
    const stored = lookup(task.id);
    if (stored === undefined) continue;
    found.push({ seed: task.seed, taskId: task.id, value: searchValue(task, stored) });
  }
  return { width, seeds: found };
}

/** The first rung (of those listed) whose median is at or below eps, or null. */
function firstCrossing(probes: readonly WidthProbe[], eps: number): number | null {
  return probes.find((p) => p.seeds.length > 0 && probeMedian(p) <= eps)?.width ?? null;
}

interface DenseCurve {
  readonly curve: SearchCurve;
  /** Base seeds at every trained rung: the dense grid as the acceptance defines it. */
  readonly base: WidthProbe[];
  /** Every seed the database holds at the rung (the search's extra seeds included). */
  readonly all: WidthProbe[];
}

function denseCurves(
  spec: StudySpec,
  rungs: readonly number[],
  db: string,
  search: readonly CurveSearch[],
): DenseCurve[] {
  const seeds = Array.from({ length: spec.search?.seeds ?? 0 }, (_, i) => i);
  return withDb(db, (lookup) =>
    searchCurves(spec).map((curve) => {
      const probed = search.find((c) => c.curve.key === curve.key)?.probes ?? [];
      const base = rungs.map((w) => probeAt(spec, curve, w, seeds, lookup));
      const all = rungs.map((w) => {
        const extra = probed.find((p) => p.width === w)?.seeds.map((s) => s.seed) ?? [];
        return probeAt(spec, curve, w, [...new Set([...seeds, ...extra])], lookup);
      });
      return { curve, base, all };
    }),
  );
}

interface DenseRun {
  readonly rungs: number;
  readonly trained: number;
  readonly seconds: number;
  readonly curves: DenseCurve[];
}

/** Trains the dense grid `batch` rungs at a time until every curve has crossed every eps. */
function runDense(
  spec: StudySpec,
  file: string,
  db: string,
  work: string,
  state: { readonly curves: readonly CurveSearch[] },
): DenseRun {
  const search = spec.search;
  if (search === undefined) throw new TypeError('runDense: no search section');
  const { rungs } = searchLadder(search);
  const batch = Math.max(1, Number(option('batch', '2')));
  const raw = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const plain = Object.fromEntries(Object.entries(raw).filter(([key]) => key !== 'search'));
  const denseFile = join(work, 'dense.json');
  const seeds = Array.from({ length: search.seeds }, (_, i) => i);
  let upTo = 0;
  let trained = 0;
  let seconds = 0;
  for (;;) {
    upTo = Math.min(rungs.length, upTo + batch);
    const grid = { ...(raw.grid as object), widths: rungs.slice(0, upTo), seeds };
    writeFileSync(denseFile, JSON.stringify({ ...plain, name: `${spec.name}-dense`, grid }));
    const run = runStudy(denseFile, db, option('threads', '1'));
    trained += run.trained;
    seconds += run.seconds;
    const curves = denseCurves(spec, rungs.slice(0, upTo), db, state.curves);
    const crossed = curves.every((d) =>
      search.eps.every((eps) => firstCrossing(d.base, eps) !== null),
    );
    if (crossed || upTo === rungs.length) return { rungs: upTo, trained, seconds, curves };
  }
}

/** Per eps of one curve: the bracket next to the dense grid's first crossing. */
function compareCurve(c: CurveSearch, d: DenseCurve | undefined): Record<string, unknown> {
  const eps = c.brackets.map((b) => {
    const first = d === undefined ? null : firstCrossing(d.base, b.eps);
    const firstAll = d === undefined ? null : firstCrossing(d.all, b.eps);
    const contains = (w: number | null): boolean =>
      b.status === 'found' && w !== null && (b.lo ?? 0) < w && w <= (b.hi ?? 0);
    const row = {
      status: b.status,
      lo: b.lo,
      hi: b.hi,
      reason: b.reason,
      dense_first_crossing: first,
      contained: contains(first),
      dense_first_crossing_all_seeds: firstAll,
      contained_all_seeds: contains(firstAll),
    };
    return [String(b.eps), row] as const;
  });
  const medians = d?.base.map((p) => ({
    width: p.width,
    median: probeMedian(p),
    seeds: p.seeds.length,
  }));
  return {
    label: c.curve.label,
    search_tasks: c.tasks,
    eps: Object.fromEntries(eps),
    dense_medians: medians,
  };
}

async function main(): Promise<void> {
  const file = process.argv[2];
  if (file === undefined) {
    throw new Error('usage: search-vs-dense.js SPEC [--db FILE] [--threads N] [--batch RUNGS]');
  }
  const spec = await loadStudySpecFile(file);
  const search = spec.search;
  if (search === undefined) throw new Error(`${file} has no search section`);
  const work = mkdtempSync(join(tmpdir(), 'search-vs-dense-'));
  const given = option('db', '');
  const db = given === '' ? join(work, 'study.sqlite') : given;
  try {
    const searched = runStudy(file, db, option('threads', '1'));
    const state = withDb(db, (lookup) => replaySearch(spec, lookup));
    const dense = runDense(spec, file, db, work, state);
    const searchTasks = state.curves.reduce((n, c) => n + c.tasks, 0);
    const fullGrid = searchLadder(search).rungs.length * search.seeds * state.curves.length;
    const denseTasks = dense.rungs * search.seeds * state.curves.length;
    // The dense grid up to the widest first crossing: what it needs to answer the question.
    const crossings = dense.curves.flatMap((d) => search.eps.map((e) => firstCrossing(d.base, e)));
    const widest = Math.max(...crossings.map((w) => (w === null ? Infinity : w)));
    const toCrossing = Number.isFinite(widest)
      ? (searchLadder(search).rungs.indexOf(widest) + 1) * search.seeds * state.curves.length
      : null;
    const out = {
      spec: file,
      db: given === '' ? null : given,
      search: {
        complete: state.complete,
        rounds: state.rounds,
        tasks: searchTasks,
        trained_now: searched.trained,
        seconds: searched.seconds,
      },
      dense: {
        rungs: dense.rungs,
        stopped_at_width: searchLadder(search).rungs[dense.rungs - 1],
        tasks: denseTasks,
        tasks_to_widest_crossing: toCrossing,
        trained_now: dense.trained,
        seconds: dense.seconds,
      },
      full_grid_tasks: fullGrid,
      search_over_full_grid: searchTasks / fullGrid,
      search_over_dense_to_crossing: toCrossing === null ? null : searchTasks / toCrossing,
      curves: state.curves.map((c) =>
        compareCurve(
          c,
          dense.curves.find((d) => d.curve.key === c.curve.key),
        ),
      ),
    };
    console.log(JSON.stringify(out, null, 2));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
