import type { NetworkWeights } from '../network.js';
import type { Target } from '../targets/target.js';
import { padWithDeadUnits } from './piecewise-linear.js';

/**
 * The teacher reference: the target's own network (the `teacher` target, width k) padded with
 * m - k dead units, so its error is 0 up to float rounding from width k on. Null below width k
 * (the greedy reference covers those widths) and for targets that are not networks.
 */
export function teacherReferenceNetwork(target: Target, width: number): NetworkWeights | null {
  if (target.kind !== 'regression' || target.exactNetwork === undefined) return null;
  if (width < target.exactNetwork.width) return null;
  return padWithDeadUnits(target.exactNetwork, width);
}
