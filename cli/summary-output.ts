import type { ReadModel } from '../coordinator/store/read-model.js';
import { groupLabel, summarise } from '../coordinator/summary-table.js';
import type { SummaryGroup } from '../coordinator/summary-table.js';
import { formatTable } from '../coordinator/format.js';

/** The per-(target, d) tables of L1 error against width, as printed after a run and by status. */
export function renderSummary(groups: readonly SummaryGroup[]): string {
  return groups
    .map((group) => {
      const classification = group.kind === 'classification';
      const columns = ['width', 'seeds', 'done', 'median_l1', 'min_l1', 'max_l1'];
      if (classification) columns.push('median_accuracy');
      const rows = group.rows.map((r) => ({
        width: r.width,
        seeds: r.seeds,
        done: r.done,
        median_l1: r.medianL1,
        min_l1: r.minL1,
        max_l1: r.maxL1,
        median_accuracy: r.medianAccuracy,
      }));
      return `${groupLabel(group)}\n${formatTable(columns, rows)}`;
    })
    .join('\n\n');
}

export function studySummary(store: ReadModel, study: string): SummaryGroup[] {
  return summarise(store.results(study));
}
