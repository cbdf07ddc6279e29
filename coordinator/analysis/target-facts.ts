/**
 * What the literature says a target's L1 error should do as the width m grows (sources in the
 * project notes). The analysis quotes it beside the measured rate and uses `widthFree` to say
 * why a flat curve is expected rather than a failure.
 */
export interface TargetFacts {
  /** The expected behaviour, in words, or null when nothing specific is known. */
  readonly expected: string | null;
  /** Why width does not limit this target's error (flat curves are then expected). */
  readonly widthFree: string | null;
  /** Smooth (C^2) targets, for the sanity checks against the interpolant and the -2 slope. */
  readonly smooth: boolean;
}

export function targetFacts(
  target: string,
  dim: number,
  params: Readonly<Record<string, unknown>>,
): TargetFacts {
  switch (target) {
    case 'sine':
      return {
        expected:
          dim === 1
            ? 'the m-knot interpolant reaches 2 pi/(3 m^2); trained nets land between m^-1 and m^-2'
            : `roughly m^(-2/d) = m^${(-2 / dim).toFixed(2)} for a generic C^2 target`,
        widthFree: null,
        smooth: true,
      };
    case 'ridge-sine':
      return {
        expected: 'a single ridge behaves like d = 1: between m^-1 and m^-2',
        widthFree: null,
        smooth: true,
      };
    case 'bump':
      return {
        expected: `roughly m^(-2/d) = m^${(-2 / dim).toFixed(2)} for a C^2 target`,
        widthFree: null,
        smooth: true,
      };
    case 'step':
      return {
        expected: 'flat in m once m >= 2',
        widthFree:
          'two ReLUs make a ramp of width delta with L1 error delta/4, so the error tracks the weight size that training reaches, not the width',
        smooth: false,
      };
    case 'singular': {
      const alpha = typeof params.alpha === 'number' ? params.alpha : null;
      return {
        expected:
          dim === 1 && alpha === 0.5
            ? 'uniform knots give m^-1/2, free knots m^-2'
            : 'unbounded but in L1; no standard rate',
        widthFree: null,
        smooth: false,
      };
    }
    case 'teacher':
      return {
        expected: 'exactly representable from width k',
        widthFree: null,
        smooth: false,
      };
    case 'halfspaces':
      return {
        expected: 'flat: the classes are separated by parallel hyperplanes',
        widthFree:
          'logits linear in w.x already separate the classes, so the error tracks the logit scale that training reaches, not the width',
        smooth: false,
      };
    case 'disk':
    case 'shells':
      return dim >= 2
        ? {
            expected: `about m^(-2/(d-1)) = m^${(-2 / (dim - 1)).toFixed(2)} until the training samples limit it`,
            widthFree: null,
            smooth: false,
          }
        : {
            expected: 'flat: in d = 1 the classes are intervals',
            widthFree:
              'a few kinks separate intervals, so the error tracks the logit scale that training reaches, not the width',
            smooth: false,
          };
    default:
      return { expected: null, widthFree: null, smooth: false };
  }
}
