import { deriveSeed, Rng } from '../../shared/random.js';
import { fitLogLog, median, quantile } from '../../shared/stats.js';

/** The per-seed errors at one width of a curve. */
export interface WidthSample {
  readonly width: number;
  readonly values: readonly number[];
}

export interface BootstrapOptions {
  /** Bootstrap resamples. @default 2000 */
  resamples?: number;
  /** Two-sided confidence level of the interval, in (0, 1). @default 0.95 */
  level?: number;
  /** Seeds the resampling stream, so an analysis is reproducible. @default 0 */
  seed?: number;
}

export interface ResolvedBootstrapOptions {
  readonly resamples: number;
  readonly level: number;
  readonly seed: number;
}

export function resolveBootstrapOptions(options: BootstrapOptions = {}): ResolvedBootstrapOptions {
  return {
    resamples: options.resamples ?? 2000,
    level: options.level ?? 0.95,
    seed: options.seed ?? 0,
  };
}

/**
 * A percentile-bootstrap interval for the slope of log(median error) against log(width): each
 * resample redraws, at every width independently, as many seed errors as there are (with
 * replacement), takes their median, and refits. Widths are resampled independently because the
 * seeds of different widths share no state that matters (the initial weights and hence the
 * minimum reached differ with the width). With few seeds the interval is coarse: its ends move in
 * steps of the spread between seeds, and it only covers seed-to-seed noise, not curvature of the
 * curve or the choice of fit range. Null when fewer than two widths have errors, or no width has
 * two.
 */
export function bootstrapSlopeInterval(
  samples: readonly WidthSample[],
  options: BootstrapOptions = {},
): [number, number] | null {
  const { resamples, level, seed } = resolveBootstrapOptions(options);
  const usable = samples.filter((s) => s.values.length > 0);
  // One seed per width has no spread to resample: the "interval" would be a point.
  if (usable.length < 2 || usable.every((s) => s.values.length < 2)) return null;
  const rng = new Rng(deriveSeed('bootstrap-slope', seed));
  const widths = usable.map((s) => s.width);
  const slopes: number[] = [];
  const draw: number[] = [];
  const medians = new Array<number>(usable.length);
  for (let b = 0; b < resamples; b++) {
    usable.forEach((s, i) => {
      draw.length = 0;
      for (let k = 0; k < s.values.length; k++) {
        draw.push(s.values[Math.floor(rng.next() * s.values.length)] ?? Number.NaN);
      }
      medians[i] = median(draw);
    });
    const slope = fitLogLog(widths, medians).slope;
    if (Number.isFinite(slope)) slopes.push(slope);
  }
  if (slopes.length === 0) return null;
  const tail = (1 - level) / 2;
  return [quantile(slopes, tail), quantile(slopes, 1 - tail)];
}
