/**
 * The widths a search may probe: the rungs of one geometric ladder at the search's resolution,
 * round(minWidth x resolution^k) up to maxWidth. A dense grid study on the same ladder trains
 * exactly these widths, so every probe is one of its tasks (same content-addressed id) and a
 * finished bracket is two adjacent rungs: the dense grid cannot resolve a crossing any finer.
 */

/**
 * round(min * ratio^k) for k = 0, 1, … while below max, then max itself: ascending, unique (a
 * ratio small enough to round two rungs to the same integer keeps one).
 */
export function geometricLadder(min: number, max: number, ratio: number): number[] {
  const out: number[] = [];
  for (let k = 0; ; k++) {
    const width = Math.round(min * ratio ** k);
    if (width >= max) break;
    if (out[out.length - 1] !== width) out.push(width);
  }
  out.push(max);
  return out;
}

/** The fields of a search section that fix its ladder. */
export interface LadderSpec {
  readonly minWidth: number;
  readonly maxWidth: number;
  readonly resolution: number;
  readonly ladder: number;
}

export interface SearchLadder {
  /** Every rung at the resolution, ascending: the widths a dense reference grid trains. */
  readonly rungs: readonly number[];
  /** Rung indices between two coarse rungs: round(ln ladder / ln resolution), at least 1. */
  readonly stride: number;
  /** The coarse rungs the search climbs: every stride-th rung from the first, and the last. */
  readonly coarse: readonly number[];
}

export function searchLadder(spec: LadderSpec): SearchLadder {
  const rungs = geometricLadder(spec.minWidth, spec.maxWidth, spec.resolution);
  const stride = Math.max(1, Math.round(Math.log(spec.ladder) / Math.log(spec.resolution)));
  const coarse = rungs.filter((_, i) => i % stride === 0 || i === rungs.length - 1);
  return { rungs, stride, coarse };
}

/**
 * The rung halfway (by index, i.e. geometrically) strictly between the rungs lo and hi, the
 * lower one of two middles; undefined when they are adjacent rungs (nothing is left to bisect).
 */
export function midRung(ladder: SearchLadder, lo: number, hi: number): number | undefined {
  const between = ladder.rungs.filter((w) => w > lo && w < hi);
  return between[Math.floor((between.length - 1) / 2)];
}
