import { z } from 'zod';
import { decodeFloat32, GRID_POINTS_1D, GRID_POINTS_2D } from '../predictions.js';
import { REFERENCE_METHODS } from '../reference/reference-result.js';

/**
 * The shape and ranges of a task outcome as it arrives from a worker. Everything the store
 * writes is checked here, so a message that passes can be stored and one that cannot is refused
 * with the field that is wrong. Objects are loose: fields a newer worker adds travel on, but are
 * never stored unchecked, since the store reads only the fields named here.
 */

const finite = z.number().refine(Number.isFinite, 'expected a finite number');
const nonNegative = finite.refine((v) => v >= 0, 'expected a number >= 0');
const fraction = finite.refine((v) => v >= 0 && v <= 1, 'expected a number in [0, 1]');
const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
/** Short identifiers (backend names, versions): bounded so a message cannot bloat a row. */
const label = z.string().min(1).max(200);

const metricsSchema = z.looseObject({
  l1Error: nonNegative,
  l1Stderr: nonNegative,
  /** Null where the target is not in L2 (CONTRACTS C1). */
  l2Error: nonNegative.nullable(),
  maxError: nonNegative,
  accuracy: fraction.nullable(),
  sharpenedL1: nonNegative.nullable(),
  misclassified: fraction.nullable(),
  evalPoints: count.positive(),
});

const trainMetricsSchema = z.looseObject({
  l1Error: nonNegative,
  l2Error: nonNegative.nullable(),
  maxError: nonNegative,
  points: count.positive(),
});

/** Loss curves hold at most 200 points; the bound leaves room without letting one balloon. */
const MAX_CURVE_POINTS = 10_000;

function trainSchema(loss: z.ZodType<number>) {
  return z.looseObject({
    trainLoss: loss,
    steps: count,
    lossCurve: z.array(z.tuple([count, loss])).max(MAX_CURVE_POINTS),
    trainMs: nonNegative,
    backend: label,
    versions: z.record(label, label),
  });
}

const referenceSchema = z.looseObject({
  method: z.enum(REFERENCE_METHODS),
  metrics: metricsSchema,
  trainRmse: nonNegative.nullable(),
  ridge: nonNegative.nullable(),
  fitMs: nonNegative,
});

/** Classes of the widest classification target, with room to spare. */
const MAX_OUTPUTS = 1024;

const predictionsSchema = z
  .looseObject({
    dim: z.union([z.literal(1), z.literal(2)]),
    size: count.positive(),
    outputs: count.positive().max(MAX_OUTPUTS),
    output: z.enum(['linear', 'softmax']),
    encoding: z.literal('float32le-base64'),
    data: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'expected base64'),
  })
  .superRefine((p, ctx) => {
    const size = p.dim === 1 ? GRID_POINTS_1D : GRID_POINTS_2D;
    if (p.size !== size) {
      ctx.addIssue({ code: 'custom', path: ['size'], message: `expected ${size} in d = ${p.dim}` });
      return;
    }
    const expected = size ** p.dim * p.outputs;
    if (Buffer.byteLength(p.data, 'base64') !== expected * 4) {
      ctx.addIssue({
        code: 'custom',
        path: ['data'],
        message: `expected ${expected} float32 values (${expected * 4} bytes)`,
      });
      return;
    }
    const values = decodeFloat32(p.data);
    const bad = values.findIndex((v) =>
      p.output === 'softmax' ? !(v >= 0 && v <= 1) : !Number.isFinite(v),
    );
    if (bad >= 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['data'],
        message: `value ${bad} is ${values[bad]}, out of range for ${p.output} outputs`,
      });
    }
  });

const doneSchema = z.looseObject({
  type: z.literal('done'),
  taskId: z.string(),
  wallMs: nonNegative,
  train: trainSchema(nonNegative),
  metrics: metricsSchema,
  trainMetrics: trainMetricsSchema.optional(),
  references: z
    .array(referenceSchema)
    .max(REFERENCE_METHODS.length * 4)
    .optional(),
  predictions: predictionsSchema.nullable().optional(),
});

/** A diverged task's loss is NaN or infinite by definition: any number, no range. */
const divergedSchema = z.looseObject({
  type: z.literal('diverged'),
  taskId: z.string(),
  wallMs: nonNegative,
  train: trainSchema(z.custom<number>((v) => typeof v === 'number', 'expected a number')),
  reason: z.string().max(10_000),
});

export const outcomeSchema = z.discriminatedUnion('type', [doneSchema, divergedSchema]);
