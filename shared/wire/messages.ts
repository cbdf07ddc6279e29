import { z } from 'zod';
import { WireFormatError } from '../errors.js';
import { taskId as computeTaskId } from '../expand.js';
import { STUDY_KEY_PATTERN } from '../nats/subjects.js';
import type { TaskOutcome } from '../result.js';
import type { Task } from '../task.js';
import { decodeWire } from './json.js';
import { outcomeSchema } from './outcome-schema.js';

/**
 * Bumped when a message's shape changes incompatibly; peers refuse other versions.
 * 2: messages carry the study key, results the stream sequence of the task delivered.
 */
export const WIRE_VERSION = 2;

/** Coordinator to worker, one per task, on the task's subject. */
export interface TaskMessage {
  readonly type: 'task';
  readonly v: typeof WIRE_VERSION;
  readonly study: string;
  /** The study's key in the database that published it (see StudyRef). */
  readonly studyKey: string;
  readonly task: Task;
}

interface ResultBase {
  readonly v: typeof WIRE_VERSION;
  readonly study: string;
  readonly studyKey: string;
  readonly taskId: string;
  /** The worker's name (`--name`, default host:pid). */
  readonly worker: string;
  /** JetStream's delivery count of the task message: 1 for the first attempt. */
  readonly attempt: number;
  /**
   * The stream sequence of the task message delivered: which published copy this attempt ran.
   * With `attempt` it names one delivery, so msgIDs built from it are unique per delivery.
   */
  readonly taskSeq: number;
}

/** Worker to coordinator, on the study's result subject. */
export type ResultMessage =
  | (ResultBase & { readonly type: 'started' })
  | (ResultBase & {
      readonly type: 'outcome';
      readonly outcome: TaskOutcome;
      /** The task itself: its id is recomputed from it, so a result names what it computed. */
      readonly task: Task;
    })
  | (ResultBase & {
      readonly type: 'attempt-failed';
      readonly task: Task;
      readonly error: string;
      /** True when no further delivery will follow: the task is failed for good. */
      readonly final: boolean;
    });

const TASK_ID = /^[0-9a-f]{32}$/;
const positiveInt = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

const base = {
  v: z.literal(WIRE_VERSION),
  study: z.string().min(1).max(200),
  studyKey: z.string().regex(STUDY_KEY_PATTERN),
  taskId: z.string().regex(TASK_ID),
  worker: z.string().min(1).max(200),
  attempt: positiveInt,
  taskSeq: positiveInt,
};

// The content address covers every field of the task; these checks only make sure the id can
// be recomputed and the store's columns receive what they expect.
const taskSchema = z.object({
  id: z.string().regex(TASK_ID),
  formatVersion: z.number().int(),
  kind: z.enum(['regression', 'classification']),
  dim: positiveInt,
  width: positiveInt,
  seed: z.number().int().nonnegative(),
  target: z.object({ name: z.string().min(1), params: z.record(z.string(), z.unknown()) }),
});

/** The zod result schema: the definition of a valid result message. */
const resultSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('started'), ...base }),
  z.object({ type: z.literal('outcome'), ...base, outcome: outcomeSchema, task: taskSchema }),
  z.object({
    type: z.literal('attempt-failed'),
    ...base,
    task: taskSchema,
    error: z.string().max(100_000),
    final: z.boolean(),
  }),
]);

const taskMessageSchema = z.object({
  type: z.literal('task'),
  v: z.literal(WIRE_VERSION),
  study: z.string().min(1),
  studyKey: z.string().regex(STUDY_KEY_PATTERN),
  task: taskSchema,
});

/**
 * Decodes and checks a message. What it returns is the decoded value itself, not zod's copy of
 * it: the schemas transform nothing (no defaults, no coercions, no transforms), so the two hold
 * the same checked fields, and the decoded value also keeps the fields the schemas do not name
 * (a task's recipe, which its content address covers; what a newer peer adds), which nothing
 * stores unchecked. zod may therefore strip what it copies, which costs less than keeping it.
 */
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
      `${what}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return raw as T;
}

/** Throws unless the task is what its id says it is. */
function checkContentAddress(task: Task, what: string): void {
  const { id, ...spec } = task;
  if (computeTaskId(spec) !== id) {
    throw new WireFormatError(`${what}: content does not match task id ${id}`);
  }
}

/** Decodes a task message and checks that the task is what its id says it is. */
export function parseTaskMessage(data: Uint8Array): TaskMessage {
  const message = parse<TaskMessage>(taskMessageSchema, data, 'task message');
  checkContentAddress(message.task, 'task message');
  return message;
}

/**
 * Decodes a result message and checks every field the store writes; an outcome or failure must
 * carry the task it ran, whose recomputed id must be the one the message and its outcome name.
 */
export function parseResultMessage(data: Uint8Array): ResultMessage {
  const message = parse<ResultMessage>(resultSchema, data, 'result message');
  if (message.type === 'started') return message;
  if (message.task.id !== message.taskId) {
    throw new WireFormatError(
      `result message: taskId ${message.taskId} but the task carried is ${message.task.id}`,
    );
  }
  if (message.type === 'outcome' && message.outcome.taskId !== message.taskId) {
    throw new WireFormatError(
      `result message: outcome.taskId ${message.outcome.taskId} is not ${message.taskId}`,
    );
  }
  checkContentAddress(message.task, 'result message');
  return message;
}
