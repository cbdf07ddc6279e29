import type { TargetKind } from '../targets/target.js';
import type { ReferenceResult } from './reference-result.js';

/**
 * The error a reference is compared by: its L1 error for regression, its sharpened L1 for
 * classification (a reference's K outputs are logits of an arbitrary temperature, so its
 * unit-scale softmax L1 says little; the sharpened one tends to 2 x misclassified volume).
 * Null when the reference has no finite value.
 */
export function referenceMeasure(
  metrics: Pick<ReferenceResult['metrics'], 'l1Error' | 'sharpenedL1'>,
  kind: TargetKind,
): number | null {
  const value = kind === 'classification' ? metrics.sharpenedL1 : metrics.l1Error;
  return value !== null && Number.isFinite(value) ? value : null;
}

/**
 * The best reference of a cell: the one with the smallest {@link referenceMeasure}, ties to the
 * first method name in code-unit order; null when none has a finite measure. The store's
 * best_references view (schema version 4) applies the same rule, so analysis and SQL agree.
 */
export function bestReference<R extends Pick<ReferenceResult, 'method' | 'metrics'>>(
  references: readonly R[],
  kind: TargetKind,
): R | null {
  let best: R | null = null;
  let bestValue = Infinity;
  for (const ref of references) {
    const value = referenceMeasure(ref.metrics, kind);
    if (value === null) continue;
    if (value < bestValue || (value === bestValue && best !== null && ref.method < best.method)) {
      best = ref;
      bestValue = value;
    }
  }
  return best;
}
