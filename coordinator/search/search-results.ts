import type { ReadModel } from '../store/read-model.js';
import type { ResultLookup } from './search-replay.js';

/**
 * Task results by id for a search replay, through a read model: the analysis's read-only one, or
 * one beside the writing store (SQLite in WAL mode lets it read every committed result).
 */
export function storedResultLookup(reads: Pick<ReadModel, 'storedResult'>): ResultLookup {
  return (taskId) => reads.storedResult(taskId);
}
