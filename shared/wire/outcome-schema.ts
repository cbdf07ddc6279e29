import { z } from 'zod';
import { float32FromBytes, GRID_POINTS_1D, GRID_POINTS_2D } from '../predictions.js';
import { REFERENCE_METHODS } from '../reference/reference-result.js';

/**
 * The shape and ranges of a task outcome as it arrives from a worker. Everything the store
 * writes is checked here, so a message that passes can be stored and one that cannot is refused
 * with the field that is wrong. Fields a newer worker adds are not refused and travel on with the
 * decoded message (messages.ts returns the decoded value), but are never stored unchecked, since
 * the store reads only the fields named here. Nothing here may transform a value (no defaults,
 * no coercions): the decoded value, not zod's copy, is what gets stored.
 */

// zod 4's number() refuses NaN and ±Infinity by itself; its built-in bounds cost a fraction of
// a refine() each, and an outcome carries some fifty numbers the coordinator checks per result.
const nonNegative = z.number().nonnegative();
const fraction = z.number().min(0).max(1);
const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
/** Short identifiers (backend names, versions): bounded so a message cannot bloat a row. */
const label = z.string().min(1).max(200);

const metricsSchema = z.object({
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

const trainMetricsSchema = z.object({
  l1Error: nonNegative,
  l2Error: nonNegative.nullable(),
  maxError: nonNegative,
  points: count.positive(),
});

/** Loss curves hold at most 200 points; the bound leaves room without letting one balloon. */
const MAX_CURVE_POINTS = 10_000;

function trainSchema(loss: z.ZodType<number>) {
  return z.object({
    trainLoss: loss,
    steps: count,
    lossCurve: z.array(z.tuple([count, loss])).max(MAX_CURVE_POINTS),
    trainMs: nonNegative,
    backend: label,
    versions: z.record(label, label),
  });
}

const referenceSchema = z.object({
  method: z.enum(REFERENCE_METHODS),
  metrics: metricsSchema,
  trainRmse: nonNegative.nullable(),
  ridge: nonNegative.nullable(),
  fitMs: nonNegative,
});

/** Classes of the widest classification target, with room to spare. */
const MAX_OUTPUTS = 1024;

const predictionsSchema = z
  .object({
    dim: z.union([z.literal(1), z.literal(2)]),
    size: count.positive(),
    outputs: count.positive().max(MAX_OUTPUTS),
    output: z.enum(['linear', 'softmax']),
    encoding: z.literal('float32le-base64'),
    data: z.string(),
  })
  .superRefine((p, ctx) => {
    const size = p.dim === 1 ? GRID_POINTS_1D : GRID_POINTS_2D;
    if (p.size !== size) {
      ctx.addIssue({ code: 'custom', path: ['size'], message: `expected ${size} in d = ${p.dim}` });
      return;
    }
    const expected = size ** p.dim * p.outputs;
    // Decoded once: Buffer's decoder skips what is not base64, so the text must be exactly the
    // canonical encoding of what it decodes to (a regex over it cost more than the decode).
    const bytes = Buffer.from(p.data, 'base64');
    if (bytes.toString('base64') !== p.data) {
      ctx.addIssue({ code: 'custom', path: ['data'], message: 'expected base64' });
      return;
    }
    if (bytes.length !== expected * 4) {
      ctx.addIssue({
        code: 'custom',
        path: ['data'],
        message: `expected ${expected} float32 values (${expected * 4} bytes)`,
      });
      return;
    }
    const values = float32FromBytes(bytes);
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

const doneSchema = z.object({
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
const divergedSchema = z.object({
  type: z.literal('diverged'),
  taskId: z.string(),
  wallMs: nonNegative,
  train: trainSchema(z.custom<number>((v) => typeof v === 'number', 'expected a number')),
  reason: z.string().max(10_000),
});

export const outcomeSchema = z.discriminatedUnion('type', [doneSchema, divergedSchema]);
