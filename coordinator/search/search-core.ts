import type { SearchSpec } from '../../shared/spec/search.js';
import { median, quantile } from '../../shared/stats.js';
import type { CurveJudge, JudgedPoint } from './curve-judge.js';
import { geometricLadder, geometricMidpoint } from './ladder.js';

/**
 * The bracketing state machine of one curve, as a pure function of what has been measured: given
 * the probes so far it returns the widths (and seeds) to train next and the bracket of every
 * eps. Nothing else is remembered between rounds, so a search resumes from the database alone.
 */

/** One finished task of a probe: its error, or null when it failed for good. */
export interface SeedResult {
  readonly seed: number;
  readonly taskId: string;
  /** The error (L1; sharpened L1 for classification); Infinity for a diverged task. */
  readonly value: number | null;
}

/** Every finished seed at one width. */
export interface WidthProbe {
  readonly width: number;
  readonly seeds: readonly SeedResult[];
}

export type Decision = 'above' | 'below' | 'more-seeds' | 'failed';

export type SearchStatus = 'found' | 'unreachable' | 'budget' | 'open';

/** Where the search for one eps stands: the bracket, and why it stopped (or what it waits for). */
export interface EpsBracket {
  readonly eps: number;
  readonly status: SearchStatus;
  /** The widest width decided above eps below hi; null when hi is the smallest width probed. */
  readonly lo: number | null;
  /** The smallest width decided at or below eps; null while none is. */
  readonly hi: number | null;
  readonly reason: string;
}

export interface WidthRequest {
  readonly width: number;
  readonly seeds: readonly number[];
}

export interface CurvePlan {
  /** What to train next; empty when every eps has stopped. */
  readonly requests: readonly WidthRequest[];
  readonly brackets: readonly EpsBracket[];
}

export interface SearchCoreOptions {
  /** Rungs of the coarse ladder per climbing round; the first round probes at least two. @default 1 */
  climb?: number;
}

const fmt = (x: number): string => (Number.isFinite(x) ? x.toPrecision(3) : String(x));

/** The median of a probe's finished seeds; diverged seeds (Infinity) count as the largest. */
export function probeMedian(probe: WidthProbe): number {
  const values = finiteOrHuge(probe);
  if (values.length === 0) return Number.NaN;
  const m = median(values);
  return m >= Number.MAX_VALUE ? Number.POSITIVE_INFINITY : m;
}

// Type-7 interpolation turns Infinity - Infinity into NaN; the largest double sorts the same.
function finiteOrHuge(probe: WidthProbe): number[] {
  return probe.seeds
    .map((s) => s.value)
    .filter((v): v is number => v !== null)
    .map((v) => (v === Number.POSITIVE_INFINITY ? Number.MAX_VALUE : v));
}

/**
 * A probe's decision for eps, from the median over its seeds; while the seeds' quartiles straddle eps
 * and fewer than maxSeeds were trained, it asks for more instead.
 */
function straddles(values: readonly number[], eps: number): boolean {
  return quantile(values, 0.25) <= eps && quantile(values, 0.75) > eps;
}

/** A decision the seed cap forced: the quartiles still straddle eps. */
function closeCall(probe: WidthProbe | undefined, eps: number): string | undefined {
  if (probe === undefined) return undefined;
  const values = finiteOrHuge(probe);
  if (values.length === 0 || !straddles(values, eps)) return undefined;
  return `close call at ${probe.width}: its quartiles straddle eps after ${probe.seeds.length} seeds`;
}

export function decide(probe: WidthProbe, eps: number, maxSeeds: number): Decision {
  const values = finiteOrHuge(probe);
  if (values.length === 0) return 'failed';
  // The quartiles, not the range: the range of more seeds only widens, so it would straddle eps
  // ever more often; the quartiles narrow around the median as seeds are added.
  if (straddles(values, eps) && probe.seeds.length < maxSeeds) return 'more-seeds';
  return probeMedian(probe) <= eps ? 'below' : 'above';
}

interface EpsPlan {
  readonly bracket: EpsBracket;
  readonly requests: readonly WidthRequest[];
}

function baseSeeds(search: SearchSpec): number[] {
  return Array.from({ length: search.seeds }, (_, i) => i);
}

function moreSeeds(probe: WidthProbe, search: SearchSpec): WidthRequest {
  const have = probe.seeds.length;
  // Half the base seeds at a time: 3 -> 5 -> 7 keeps an odd count, so the median is a seed's.
  const upTo = Math.min(have + Math.ceil(search.seeds / 2), search.maxSeeds);
  return { width: probe.width, seeds: Array.from({ length: upTo - have }, (_, i) => have + i) };
}

function judgedPoints(probes: readonly WidthProbe[]): JudgedPoint[] {
  return probes
    .filter((p) => p.seeds.some((s) => s.value !== null))
    .map((p) => ({
      width: p.width,
      median: probeMedian(p),
      values: p.seeds.map((s) => s.value).filter((v): v is number => v !== null),
      taskIds: p.seeds.map((s) => s.taskId),
    }));
}

/** No width at or below eps yet: stop (judged or at maxWidth), or climb the ladder. */
function climbOrStop(
  eps: number,
  live: readonly WidthProbe[],
  search: SearchSpec,
  judge: CurveJudge,
  climb: number,
): EpsPlan {
  const open = (reason: string, requests: WidthRequest[]): EpsPlan => ({
    bracket: { eps, status: 'open', lo: null, hi: null, reason },
    requests,
  });
  const stop = (reason: string): EpsPlan => ({
    bracket: { eps, status: 'unreachable', lo: null, hi: null, reason },
    requests: [],
  });
  const top = live[live.length - 1];
  const verdict = judge.unreachable(judgedPoints(live), eps);
  if (verdict !== undefined) return stop(verdict);
  if (top !== undefined && top.width >= search.maxWidth) {
    return stop(`median ${fmt(probeMedian(top))} > eps at maxWidth ${search.maxWidth}`);
  }
  const rungs = geometricLadder(search.minWidth, search.maxWidth, search.ladder);
  const above = rungs.filter((w) => top === undefined || w > top.width);
  const next = above.slice(0, top === undefined ? Math.max(2, climb) : climb);
  return open(
    `coarse ladder: next ${next.join(', ')}`,
    next.map((width) => ({ width, seeds: baseSeeds(search) })),
  );
}

/** The plan for one eps over the probes (ascending by width). */
function planEps(
  eps: number,
  probes: readonly WidthProbe[],
  search: SearchSpec,
  judge: CurveJudge,
  climb: number,
): EpsPlan {
  const decided = probes.map((p) => ({ probe: p, decision: decide(p, eps, search.maxSeeds) }));
  const failed = new Set(decided.filter((d) => d.decision === 'failed').map((d) => d.probe.width));
  const live = decided.filter((d) => d.decision !== 'failed');
  const firstBelow = live.findIndex((d) => d.decision === 'below');
  // Only widths below the first one at or below eps can move the bracket.
  const unsure = live
    .slice(0, firstBelow === -1 ? live.length : firstBelow)
    .filter((d) => d.decision === 'more-seeds');
  const hi = live[firstBelow]?.probe.width ?? null;
  const lo = firstBelow > 0 ? (live[firstBelow - 1]?.probe.width ?? null) : null;
  let plan: EpsPlan;
  if (unsure.length > 0) {
    const widths = unsure.map((d) => d.probe.width);
    plan = {
      bracket: {
        eps,
        status: 'open',
        lo,
        hi,
        reason: `seeds straddle eps at ${widths.join(', ')}`,
      },
      requests: unsure.map((d) => moreSeeds(d.probe, search)),
    };
  } else if (hi === null) {
    plan = climbOrStop(
      eps,
      live.map((d) => d.probe),
      search,
      judge,
      climb,
    );
  } else {
    plan = bisect(eps, lo, hi, search);
    // A bracket end decided by the median while its seeds still disagree is worth saying.
    const notes = [live[firstBelow - 1]?.probe, live[firstBelow]?.probe]
      .map((p) => closeCall(p, eps))
      .filter((n): n is string => n !== undefined);
    if (plan.bracket.status === 'found' && notes.length > 0) {
      plan = {
        ...plan,
        bracket: { ...plan.bracket, reason: `${plan.bracket.reason}; ${notes.join('; ')}` },
      };
    }
  }
  const blocked = plan.requests.find((r) => failed.has(r.width));
  if (blocked === undefined) return plan;
  return {
    bracket: {
      ...plan.bracket,
      status: 'unreachable',
      reason: `every task at width ${blocked.width} failed`,
    },
    requests: [],
  };
}

function bisect(eps: number, lo: number | null, hi: number, search: SearchSpec): EpsPlan {
  const found = (reason: string): EpsPlan => ({
    bracket: { eps, status: 'found', lo, hi, reason },
    requests: [],
  });
  if (lo === null) return found(`median at or below eps already at the smallest width ${hi}`);
  if (hi / lo <= search.resolution) {
    return found(`hi/lo = ${(hi / lo).toFixed(3)} <= resolution ${search.resolution}`);
  }
  const mid = geometricMidpoint(lo, hi);
  if (mid === undefined) return found(`${lo} and ${hi} are adjacent widths`);
  return {
    bracket: { eps, status: 'open', lo, hi, reason: `bisecting at ${mid}` },
    requests: [{ width: mid, seeds: baseSeeds(search) }],
  };
}

/**
 * The next step of one curve's search for all its eps: the union of what each eps asks for, and
 * every bracket. `probes` are the finished probes in any order.
 */
export function planCurve(
  search: SearchSpec,
  probes: readonly WidthProbe[],
  judge: CurveJudge,
  options: SearchCoreOptions = {},
): CurvePlan {
  const climb = options.climb ?? 1;
  const sorted = [...probes].sort((a, b) => a.width - b.width);
  const trained = new Map(sorted.map((p) => [p.width, new Set(p.seeds.map((s) => s.seed))]));
  const wanted = new Map<number, Set<number>>();
  const brackets = search.eps.map((eps) => {
    const plan = planEps(eps, sorted, search, judge, climb);
    for (const r of plan.requests) {
      const seeds = wanted.get(r.width) ?? new Set<number>();
      for (const s of r.seeds) if (trained.get(r.width)?.has(s) !== true) seeds.add(s);
      wanted.set(r.width, seeds);
    }
    return plan.bracket;
  });
  const requests = [...wanted]
    .filter(([, seeds]) => seeds.size > 0)
    .sort(([a], [b]) => a - b)
    .map(([width, seeds]) => ({ width, seeds: [...seeds].sort((a, b) => a - b) }));
  return { requests, brackets };
}
