import { z } from 'zod';
import { WireFormatError } from '../errors.js';
import { taskId as computeTaskId } from '../expand.js';
import type { TaskOutcome } from '../result.js';
import type { Task } from '../task.js';
import { decodeWire } from './json.js';

/** Bumped when a message's shape changes incompatibly; peers refuse other versions. */
export const WIRE_VERSION = 1;

/** Coordinator to worker, one per task, on the task's subject. */
export interface TaskMessage {
  readonly type: 'task';
  readonly v: typeof WIRE_VERSION;
  readonly study: string;
  readonly task: Task;
}

interface ResultBase {
  readonly v: typeof WIRE_VERSION;
  readonly study: string;
  readonly taskId: string;
  /** The worker's name (`--name`, default host:pid). */
  readonly worker: string;
  /** JetStream's delivery count of the task message: 1 for the first attempt. */
  readonly attempt: number;
}

/** Worker to coordinator, on the study's result subject. */
export type ResultMessage =
  | (ResultBase & { readonly type: 'started' })
  | (ResultBase & {
      readonly type: 'outcome';
      readonly outcome: TaskOutcome;
      /** The task itself, so a result is stored even where the database lacks the task. */
      readonly task: Task;
    })
  | (ResultBase & {
      readonly type: 'attempt-failed';
      readonly task: Task;
      readonly error: string;
      /** True when no further delivery will follow: the task is failed for good. */
      readonly final: boolean;
    });

const base = {
  v: z.literal(WIRE_VERSION),
  study: z.string().min(1),
  taskId: z.string().regex(/^[0-9a-f]{32}$/),
  worker: z.string().min(1),
  attempt: z.number().int().positive(),
};

// Outcomes are produced by our own workers; the envelope and the fields the store reads are
// checked, the rest is carried as it is.
const outcomeSchema = z.looseObject({
  type: z.enum(['done', 'diverged']),
  taskId: z.string(),
  wallMs: z.number(),
  train: z.looseObject({ steps: z.number(), backend: z.string(), lossCurve: z.array(z.unknown()) }),
});

const taskSchema = z.looseObject({
  id: z.string().regex(/^[0-9a-f]{32}$/),
  formatVersion: z.number(),
  kind: z.enum(['regression', 'classification']),
  dim: z.number(),
  width: z.number(),
  seed: z.number(),
  target: z.object({ name: z.string(), params: z.record(z.string(), z.unknown()) }),
});

const resultSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('started'), ...base }),
  z.object({ type: z.literal('outcome'), ...base, outcome: outcomeSchema, task: taskSchema }),
  z.object({
    type: z.literal('attempt-failed'),
    ...base,
    task: taskSchema,
    error: z.string(),
    final: z.boolean(),
  }),
]);

const taskMessageSchema = z.object({
  type: z.literal('task'),
  v: z.literal(WIRE_VERSION),
  study: z.string().min(1),
  task: taskSchema,
});

function parse<T>(schema: z.ZodType, data: Uint8Array, what: string): T {
  let raw: unknown;
  try {
    raw = decodeWire(data);
  } catch (err) {
    throw new WireFormatError(`${what}: not JSON`, { cause: err });
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new WireFormatError(
      `${what}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'invalid'}`,
    );
  }
  return result.data as T;
}

/** Decodes a task message and checks that the task is what its id says it is. */
export function parseTaskMessage(data: Uint8Array): TaskMessage {
  const message = parse<TaskMessage>(taskMessageSchema, data, 'task message');
  const { id, ...spec } = message.task;
  if (computeTaskId(spec) !== id) {
    throw new WireFormatError(`task message: content does not match task id ${id}`);
  }
  return message;
}

export function parseResultMessage(data: Uint8Array): ResultMessage {
  return parse<ResultMessage>(resultSchema, data, 'result message');
}
