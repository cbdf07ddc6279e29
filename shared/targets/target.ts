import type { z } from 'zod';
import type { NetworkWeights } from '../network.js';

/** Regression targets are fitted with a linear output; classification targets with softmax. */
export type TargetKind = 'regression' | 'classification';

/** Training losses; `cross-entropy` is the only one for classification targets. */
export type LossName = 'mse' | 'l1' | 'cross-entropy';

/** A target as a task names it: the registry name and its fully resolved parameters. */
export interface TargetRef {
  readonly name: string;
  readonly params: Readonly<Record<string, unknown>>;
}

/** Why a target cannot be built for a dimension; `param` names the offending parameter if any. */
export interface Incompatibility {
  readonly param?: string;
  readonly message: string;
}

/**
 * A target family in the registry. `params` is a strict zod object whose fields all have defaults,
 * so `params.parse({})` yields the canonical parameters that go into task ids.
 */
export interface TargetDefinition {
  readonly name: string;
  readonly kind: TargetKind;
  /** One line for `widthsweep targets`. */
  readonly description: string;
  readonly params: z.ZodType<Record<string, unknown>>;
  /** The loss `train.loss: auto` resolves to. */
  readonly defaultLoss: LossName;
  /** Why these params cannot be used in `dim` dimensions, or undefined when they can. */
  incompatibility(
    params: Readonly<Record<string, unknown>>,
    dim: number,
  ): Incompatibility | undefined;
  create(params: Readonly<Record<string, unknown>>, dim: number): Target;
}

/** Points are row-major: point p occupies x[p*dim .. p*dim+dim-1]. */
interface TargetBase {
  readonly name: string;
  readonly dim: number;
  /** 1 for regression, K (number of classes) for classification. */
  readonly outputs: number;
}

export interface RegressionTarget extends TargetBase {
  readonly kind: 'regression';
  /** f at n points. */
  values(x: Float64Array, n: number): Float64Array;
  /**
   * Present when plain (quasi-)Monte Carlo has infinite variance for the L1 error (singular
   * targets): evaluation then samples from this density instead of uniformly.
   */
  readonly importance?: ImportanceDensity;
  /**
   * False where f is not square integrable on the cube (||x - c||^-alpha with alpha >= d/2): the
   * L2 error of every bounded approximant is then infinite, so none is reported. Absent: true.
   */
  readonly inL2?: boolean;
  /**
   * Present for ridge targets f(x) = phi(w . x): the unit direction w. The formula holds on all of
   * R^d, not only the cube, so phi(s) = f(s w); references build the 1-D profile from it.
   */
  readonly ridgeDirection?: Float64Array;
  /** Present when the target is a ReLU network itself (`teacher`): its weights. */
  readonly exactNetwork?: NetworkWeights;
}

export interface ClassificationTarget extends TargetBase {
  readonly kind: 'classification';
  /** The class in 0..outputs-1 of each of n points. */
  labels(x: Float64Array, n: number): Int32Array;
}

export type Target = RegressionTarget | ClassificationTarget;

/**
 * A sampling density q on R^dim whose mass may fall partly outside [0,1]^dim (such points count
 * as zero). `transform` maps `unitDims` coordinates in [0,1) to one point; `density` is q there.
 */
export interface ImportanceDensity {
  readonly unitDims: number;
  transform(u: Float64Array, out: Float64Array): void;
  density(x: Float64Array): number;
}
