/** TrainStats.lossCurve holds at most this many points. */
export const MAX_LOSS_CURVE_POINTS = 200;

/**
 * The steps (0 = before the first update, `steps` = after the last) at which the loss is
 * recorded: all of them when they fit, else MAX_LOSS_CURVE_POINTS evenly spaced ones that always
 * include 0 and `steps`. Rounding i·steps/(P-1) never repeats a step since steps/(P-1) > 1.
 */
export function lossCurveSteps(steps: number, maxPoints = MAX_LOSS_CURVE_POINTS): number[] {
  if (steps + 1 <= maxPoints) return Array.from({ length: steps + 1 }, (_, i) => i);
  const last = maxPoints - 1;
  return Array.from({ length: maxPoints }, (_, i) => Math.round((i * steps) / last));
}
