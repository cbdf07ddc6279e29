/**
 * Integer widths on geometric ladders: the coarse ladder a search climbs, the midpoint it bisects
 * at, and the dense grid a full sweep at the search's resolution would train.
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

/**
 * The integer nearest the geometric mean of lo and hi, strictly between them; undefined when
 * they are adjacent integers (nothing is left to bisect).
 */
export function geometricMidpoint(lo: number, hi: number): number | undefined {
  if (hi - lo <= 1) return undefined;
  const mid = Math.round(Math.sqrt(lo * hi));
  return Math.min(hi - 1, Math.max(lo + 1, mid));
}
