import { GRID_POINTS_1D, GRID_POINTS_2D } from '../predictions.js';
import { REFERENCE_METHODS } from '../reference/reference-result.js';
import { STUDY_KEY_PATTERN } from '../nats/subjects.js';

/**
 * A hand-written twin of the zod result schema (messages.ts, outcome-schema.ts) for the
 * coordinator's hot path: zod costs tens of microseconds per outcome, and several times that in
 * a fresh process, which was a third of storing a backlog. It only ever answers "surely valid":
 * a message it does not accept goes through zod, which accepts it or refuses it with the field
 * that is wrong. So it may be stricter than zod but never looser (test/unit/wire-fast-check
 * checks that on mutations of valid messages), and it accepts only messages whose zod output is
 * the input itself: no unknown key in the objects zod strips (the message, the task's target).
 */

type Obj = Record<string, unknown>;

const TASK_ID = /^[0-9a-f]{32}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
/** Bounds of the zod schema; kept equal to it (outcome-schema.ts, messages.ts). */
const MAX_CURVE_POINTS = 10_000;
const MAX_OUTPUTS = 1024;
const METHODS: ReadonlySet<string> = new Set(REFERENCE_METHODS);

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const finite = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);
const nonNegative = (v: unknown): boolean => finite(v) && (v as number) >= 0;
const fraction = (v: unknown): boolean => nonNegative(v) && (v as number) <= 1;
const count = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
const positive = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) > 0;
const anyNumber = (v: unknown): boolean => typeof v === 'number';
const text = (v: unknown, min: number, max: number): boolean =>
  typeof v === 'string' && v.length >= min && v.length <= max;
const label = (v: unknown): boolean => text(v, 1, 200);
const nullOr = (v: unknown, check: (v: unknown) => boolean): boolean => v === null || check(v);

/** Only the allowed keys: zod's z.object would strip any other, changing the message. */
function onlyKeys(o: Obj, allowed: ReadonlySet<string>): boolean {
  for (const key in o) if (!allowed.has(key)) return false;
  return true;
}

function metrics(m: unknown): boolean {
  return (
    isObj(m) &&
    nonNegative(m.l1Error) &&
    nonNegative(m.l1Stderr) &&
    nullOr(m.l2Error, nonNegative) &&
    nonNegative(m.maxError) &&
    nullOr(m.accuracy, fraction) &&
    nullOr(m.sharpenedL1, nonNegative) &&
    nullOr(m.misclassified, fraction) &&
    positive(m.evalPoints)
  );
}

function trainMetrics(m: unknown): boolean {
  return (
    m === undefined ||
    (isObj(m) &&
      nonNegative(m.l1Error) &&
      nullOr(m.l2Error, nonNegative) &&
      nonNegative(m.maxError) &&
      positive(m.points))
  );
}

function versions(v: unknown): boolean {
  if (!isObj(v)) return false;
  for (const key in v) if (!label(key) || !label(v[key])) return false;
  return true;
}

function lossCurve(curve: unknown, loss: (v: unknown) => boolean): boolean {
  if (!Array.isArray(curve) || curve.length > MAX_CURVE_POINTS) return false;
  for (const point of curve as unknown[]) {
    if (!Array.isArray(point) || point.length !== 2 || !count(point[0]) || !loss(point[1])) {
      return false;
    }
  }
  return true;
}

function train(t: unknown, loss: (v: unknown) => boolean): boolean {
  return (
    isObj(t) &&
    loss(t.trainLoss) &&
    count(t.steps) &&
    lossCurve(t.lossCurve, loss) &&
    nonNegative(t.trainMs) &&
    label(t.backend) &&
    versions(t.versions)
  );
}

function references(refs: unknown): boolean {
  if (refs === undefined) return true;
  if (!Array.isArray(refs) || refs.length > REFERENCE_METHODS.length * 4) return false;
  for (const r of refs as unknown[]) {
    if (
      !isObj(r) ||
      typeof r.method !== 'string' ||
      !METHODS.has(r.method) ||
      !metrics(r.metrics) ||
      !nullOr(r.trainRmse, nonNegative) ||
      !nullOr(r.ridge, nonNegative) ||
      !nonNegative(r.fitMs)
    ) {
      return false;
    }
  }
  return true;
}

/** The shape and the refinement of the zod predictions schema, values read in place. */
function predictions(p: unknown): boolean {
  if (p === undefined || p === null) return true;
  if (
    !isObj(p) ||
    (p.dim !== 1 && p.dim !== 2) ||
    !positive(p.size) ||
    !positive(p.outputs) ||
    (p.outputs as number) > MAX_OUTPUTS ||
    (p.output !== 'linear' && p.output !== 'softmax') ||
    p.encoding !== 'float32le-base64' ||
    typeof p.data !== 'string' ||
    !BASE64.test(p.data)
  ) {
    return false;
  }
  const size = p.dim === 1 ? GRID_POINTS_1D : GRID_POINTS_2D;
  const expected = size ** p.dim * (p.outputs as number);
  if (p.size !== size || Buffer.byteLength(p.data, 'base64') !== expected * 4) return false;
  const bytes = Buffer.from(p.data, 'base64');
  if (bytes.length !== expected * 4) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const softmax = p.output === 'softmax';
  for (let i = 0; i < expected; i++) {
    const v = view.getFloat32(i * 4, true);
    if (softmax ? !(v >= 0 && v <= 1) : !Number.isFinite(v)) return false;
  }
  return true;
}

function outcome(o: unknown): boolean {
  if (!isObj(o) || typeof o.taskId !== 'string' || !nonNegative(o.wallMs)) return false;
  if (o.type === 'done') {
    return (
      train(o.train, nonNegative) &&
      metrics(o.metrics) &&
      trainMetrics(o.trainMetrics) &&
      references(o.references) &&
      predictions(o.predictions)
    );
  }
  return o.type === 'diverged' && train(o.train, anyNumber) && text(o.reason, 0, 10_000);
}

const TARGET_KEYS: ReadonlySet<string> = new Set(['name', 'params']);

function task(t: unknown): boolean {
  if (
    !isObj(t) ||
    typeof t.id !== 'string' ||
    !TASK_ID.test(t.id) ||
    !Number.isSafeInteger(t.formatVersion) ||
    (t.kind !== 'regression' && t.kind !== 'classification') ||
    !positive(t.dim) ||
    !positive(t.width) ||
    !count(t.seed)
  ) {
    return false;
  }
  const target = t.target;
  return (
    isObj(target) &&
    onlyKeys(target, TARGET_KEYS) &&
    text(target.name, 1, Infinity) &&
    isObj(target.params)
  );
}

const BASE_KEYS = ['type', 'v', 'study', 'studyKey', 'taskId', 'worker', 'attempt', 'taskSeq'];
const KEYS: Readonly<Record<string, ReadonlySet<string>>> = {
  started: new Set(BASE_KEYS),
  outcome: new Set([...BASE_KEYS, 'outcome', 'task']),
  'attempt-failed': new Set([...BASE_KEYS, 'task', 'error', 'final']),
};

/**
 * True when zod's result schema surely accepts `raw` and returns it unchanged; false says
 * nothing (ask zod). `wireVersion`: the literal the schema expects in `v`.
 */
export function surelyValidResult(raw: unknown, wireVersion: number): boolean {
  if (!isObj(raw) || typeof raw.type !== 'string') return false;
  const keys = Object.hasOwn(KEYS, raw.type) ? KEYS[raw.type] : undefined;
  if (
    keys === undefined ||
    !onlyKeys(raw, keys) ||
    raw.v !== wireVersion ||
    !label(raw.study) ||
    typeof raw.studyKey !== 'string' ||
    !STUDY_KEY_PATTERN.test(raw.studyKey) ||
    typeof raw.taskId !== 'string' ||
    !TASK_ID.test(raw.taskId) ||
    !label(raw.worker) ||
    !positive(raw.attempt) ||
    !positive(raw.taskSeq)
  ) {
    return false;
  }
  switch (raw.type) {
    case 'started':
      return true;
    case 'outcome':
      return outcome(raw.outcome) && task(raw.task);
    default:
      return task(raw.task) && text(raw.error, 0, 100_000) && typeof raw.final === 'boolean';
  }
}
