import type { KV } from '@nats-io/kv';
import { z } from 'zod';
import { WireFormatError } from '../errors.js';

/**
 * What a live worker publishes every few seconds in the KV bucket `widthsweep_workers`: who it
 * is, what it can train (backend, optimizers, library versions) and how it is doing. `status`
 * shows it; `run --nats` checks each routed pool against it (shared/capabilities.ts).
 */
export interface WorkerHeartbeat {
  readonly type: 'worker-heartbeat';
  readonly name: string;
  readonly host: string;
  readonly pid: number;
  readonly pool: string;
  /** The backend its threads train with (what `--backend auto` chose). */
  readonly backend: string;
  /** The optimizers that backend trains with (shared/capabilities.ts at the worker's version). */
  readonly optimizers: readonly string[];
  /** Library versions its threads reported, e.g. { "@tensorflow/tfjs-core": "4.22.0", node }. */
  readonly versions: Readonly<Record<string, string>>;
  readonly threads: number;
  readonly inFlight: number;
  readonly tasksDone: number;
  readonly tasksFailed: number;
  readonly startedAt: string;
  readonly lastHeartbeat: string;
}

const count = z.number().int().nonnegative();
const timestamp = z.string().refine((s) => Number.isFinite(Date.parse(s)), 'expected a date');

const heartbeatSchema = z.strictObject({
  type: z.literal('worker-heartbeat'),
  name: z.string().min(1),
  host: z.string(),
  pid: z.number().int().positive(),
  pool: z.string().min(1),
  backend: z.string().min(1),
  optimizers: z.array(z.string().min(1)),
  versions: z.record(z.string(), z.string()),
  threads: z.number().int().positive(),
  inFlight: count,
  tasksDone: count,
  tasksFailed: count,
  startedAt: timestamp,
  lastHeartbeat: timestamp,
});

/** Parses and checks one heartbeat; throws WireFormatError naming the first bad field. */
export function parseHeartbeat(text: string): WorkerHeartbeat {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new WireFormatError('worker heartbeat: not JSON', { cause: err });
  }
  const parsed = heartbeatSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.join('.') ?? '';
    throw new WireFormatError(
      `worker heartbeat: ${path || 'message'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return parsed.data;
}

/**
 * The live workers in the bucket, by name. An entry that does not parse (a worker of another
 * widthsweep version) is left out and counted in `unreadable`.
 */
export async function listWorkers(kv: KV): Promise<WorkerHeartbeat[]> {
  const out: WorkerHeartbeat[] = [];
  const keys = await kv.keys();
  for await (const key of keys) {
    const entry = await kv.get(key);
    if (entry === null || entry.operation !== 'PUT') continue;
    try {
      out.push(parseHeartbeat(entry.string()));
    } catch (err) {
      if (!(err instanceof WireFormatError)) throw err;
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
