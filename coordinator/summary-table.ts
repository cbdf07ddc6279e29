import { median } from '../shared/stats.js';
import { plainText } from '../shared/plain-text.js';
import type { ResultRow } from './store/read-model.js';

export interface WidthRow {
  readonly width: number;
  readonly seeds: number;
  readonly done: number;
  readonly medianL1: number | null;
  readonly minL1: number | null;
  readonly maxL1: number | null;
  readonly medianAccuracy: number | null;
}

export interface SummaryGroup {
  readonly target: string;
  readonly targetParams: string;
  readonly kind: string;
  readonly dim: number;
  /** `direct`, or `construction` (the paper's softmax construction). */
  readonly mode: string;
  readonly rows: readonly WidthRow[];
}

/** The median of the seeds' values, or null when no seed has one. */
function medianOrNull(values: readonly number[]): number | null {
  return values.length === 0 ? null : median(values);
}

/** Per (target, params, dim, training mode): L1 error against width over the seeds that are done. */
export function summarise(results: readonly ResultRow[]): SummaryGroup[] {
  const groups = new Map<
    string,
    { head: Omit<SummaryGroup, 'rows'>; byWidth: Map<number, ResultRow[]> }
  >();
  for (const r of results) {
    const key = `${r.target}\u0000${r.targetParams}\u0000${r.dim}\u0000${r.mode}`;
    let group = groups.get(key);
    if (group === undefined) {
      group = {
        head: {
          target: r.target,
          targetParams: r.targetParams,
          kind: r.kind,
          dim: r.dim,
          mode: r.mode,
        },
        byWidth: new Map(),
      };
      groups.set(key, group);
    }
    const list = group.byWidth.get(r.width) ?? [];
    list.push(r);
    group.byWidth.set(r.width, list);
  }
  return [...groups.values()].map(({ head, byWidth }) => ({
    ...head,
    rows: [...byWidth.entries()]
      .sort(([a], [b]) => a - b)
      .map(([width, list]) => {
        const done = list.filter((r) => r.status === 'done' && r.l1Error !== null);
        const l1 = done.map((r) => r.l1Error as number);
        const acc = done.flatMap((r) => (r.accuracy === null ? [] : [r.accuracy]));
        return {
          width,
          seeds: list.length,
          done: done.length,
          medianL1: medianOrNull(l1),
          minL1: l1.length > 0 ? Math.min(...l1) : null,
          maxL1: l1.length > 0 ? Math.max(...l1) : null,
          medianAccuracy: medianOrNull(acc),
        };
      }),
  }));
}

/** A compact label for non-default-looking params: `sine k=2`. */
export function groupLabel(
  group: Pick<SummaryGroup, 'target' | 'targetParams' | 'dim' | 'mode'>,
): string {
  const params = JSON.parse(group.targetParams) as Record<string, unknown>;
  const shown = Object.entries(params)
    .map(([k, v]) => `${k}=${plainText(v)}`)
    .join(' ');
  const mode = group.mode === 'direct' ? '' : `, ${group.mode}`;
  return `${group.target}${mode} (d = ${group.dim}${shown === '' ? '' : `; ${shown}`})`;
}
