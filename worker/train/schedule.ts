/** How the learning rate moves over training. */
export type LearningRateSchedule = 'constant' | 'cosine';

/**
 * The learning rate for update `step` (0-based) of `steps`. Cosine decays from `lr` at the first
 * update towards 0, reaching lr·(1 + cos(π(steps-1)/steps))/2 ≈ lr·π²/(4·steps²) at the last one,
 * so no update is wasted at exactly zero.
 */
export function learningRateAt(
  schedule: LearningRateSchedule,
  lr: number,
  step: number,
  steps: number,
): number {
  if (schedule === 'constant') return lr;
  return 0.5 * lr * (1 + Math.cos((Math.PI * step) / steps));
}
